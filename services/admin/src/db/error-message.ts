/** The root cause, without the query text and parameters a wrapped driver error carries. */
export function errorMessage(err: unknown): string {
  let e = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  const message = e instanceof Error ? e.message || e.name : String(e);
  return message.length > 500 ? `${message.slice(0, 500)}...` : message;
}
