/** A request value the worker cannot apply to this model; answered as a 400 naming `param`. */
export class InvalidParameterError extends Error {
  override name = "InvalidParameterError";
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
  }
}
