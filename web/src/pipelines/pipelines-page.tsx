/** The Pipelines page. */
export function PipelinesPage() {
  return <section class="panel"><h2>Pipelines</h2></section>;
}
