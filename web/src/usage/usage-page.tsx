/** The Usage page. */
export function UsagePage() {
  return <section class="panel"><h2>Usage</h2></section>;
}
