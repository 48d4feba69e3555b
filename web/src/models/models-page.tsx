/** The Models page. */
export function ModelsPage() {
  return <section class="panel"><h2>Models</h2></section>;
}
