/**
 * An error a client caused or must be told about, and the one the dashboard reads back: an HTTP
 * status, a stable `code` (the JSON `error` field; the collector's metric reason), a message, optional
 * `details` and the headers the answer carries (retry-after, www-authenticate). The api and the
 * collector throw it and answer `{error, message, details}`, never a stack; the dashboard rebuilds it
 * from such an answer. No Node-only code: the dashboard bundle imports it as `@beacon/schema/http-error`.
 */
export class HttpError extends Error {
  override readonly name: string = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

/** The JSON body of an error answer. */
export interface ErrorBody {
  error: string;
  message: string;
  details?: unknown;
}
