import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { isRetryablePgError, isUniqueViolation } from '@beacon/db';
import type { Logger } from '@beacon/observability';
import { HttpError } from '@beacon/schema';

export class ValidationError extends HttpError {
  override readonly name = 'ValidationError';
  constructor(where: 'params' | 'query' | 'body', issues: readonly z.core.$ZodIssue[]) {
    super(
      400,
      'invalid_request',
      `invalid ${where}: ${issues
        .slice(0, 3)
        .map((i) => `${i.path.length ? i.path.join('.') : where}: ${i.message}`)
        .join('; ')}`,
      {
        in: where,
        issues: issues.map((i) => ({ path: i.path.map(String), code: i.code, message: i.message })),
      },
    );
  }
}

export class UnauthorizedError extends HttpError {
  override readonly name = 'UnauthorizedError';
  constructor(message = 'authentication required', code = 'unauthorized') {
    super(401, code, message, undefined, { 'www-authenticate': 'Bearer realm="beacon"' });
  }
}

export class ForbiddenError extends HttpError {
  override readonly name = 'ForbiddenError';
  constructor(message = 'your role does not allow this') {
    super(403, 'forbidden', message);
  }
}

export class NotFoundError extends HttpError {
  override readonly name = 'NotFoundError';
  constructor(what = 'resource') {
    super(404, 'not_found', `${what} not found`);
  }
}

export class ConflictError extends HttpError {
  override readonly name = 'ConflictError';
  constructor(message: string, details?: unknown) {
    super(409, 'conflict', message, details);
  }
}

export class TooManyRequestsError extends HttpError {
  override readonly name = 'TooManyRequestsError';
  constructor(retryAfterS: number, message = 'too many attempts; try again later') {
    super(
      429,
      'rate_limited',
      message,
      { retry_after_s: retryAfterS },
      { 'retry-after': String(retryAfterS) },
    );
  }
}

/** A 400 with a code of its own (invalid_token, invalid_cursor, ...): the request parsed but cannot be used. */
export class BadRequestError extends HttpError {
  override readonly name = 'BadRequestError';
  constructor(code: string, message: string, details?: unknown) {
    super(400, code, message, details);
  }
}

/** A dependency the request needs (SMTP, ...) is missing or refused: 503, the client may retry. */
export class UnavailableError extends HttpError {
  override readonly name = 'UnavailableError';
  constructor(message: string) {
    super(503, 'unavailable', message);
  }
}

/** A cursor this API did not give out (tampered, or of another list). */
export const invalidCursor = (): HttpError =>
  new BadRequestError('invalid_cursor', 'the cursor is not one this API gave out');

/**
 * A 400 `invalid_request` about one body field that only the handler can check (a site of another
 * agency, an image's bytes): the same answer shape as ValidationError, so clients read both alike.
 */
export function invalidBodyField(
  field: string,
  issue: { path: (string | number)[]; code: string; message: string },
  headline = issue.message,
): HttpError {
  return new HttpError(400, 'invalid_request', `invalid body: ${field}: ${headline}`, {
    in: 'body',
    issues: [issue],
  });
}

/** A unique violation (SQLSTATE 23505) becomes a 409 with this message; any other error is kept. */
export function conflictOnUnique(err: unknown, message: string): unknown {
  return isUniqueViolation(err) ? new ConflictError(message) : err;
}

/** The JSON body of every error answer (also in the OpenAPI document). */
export const errorBodySchema = z
  .object({
    error: z.string().meta({ description: 'stable machine-readable code, e.g. invalid_request, not_found' }),
    message: z.string(),
    details: z.unknown().optional(),
  })
  .meta({ id: 'Error' });

export function sendError(res: Parameters<RequestHandler>[1], err: HttpError): void {
  if (err.headers) for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
  res.status(err.status).json({
    error: err.code,
    message: err.message,
    ...(err.details === undefined ? {} : { details: err.details }),
  });
}

/** Unmatched paths: JSON 404 rather than express's HTML page. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'not_found', `no route ${req.method} ${req.path}`));
};

/**
 * Last middleware: maps errors to `{error, message, details}`. Body-parser errors (malformed JSON,
 * oversize body, wrong charset) carry `status`/`type`; they are the client's fault and answer 4xx.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (res.headersSent) {
      // A streamed answer failed half-way: nothing sane can be sent, close the connection.
      logger.warn({ err, reqId: req.id }, 'error after the answer started');
      res.destroy();
      return;
    }
    if (err instanceof HttpError) return sendError(res, err);
    const e = err as {
      status?: unknown;
      statusCode?: unknown;
      type?: unknown;
      expose?: unknown;
      message?: unknown;
    };
    const status =
      typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 500;
    if (status >= 400 && status < 500) {
      const code =
        e.type === 'entity.parse.failed'
          ? 'malformed_json'
          : e.type === 'entity.too.large'
            ? 'payload_too_large'
            : e.type === 'encoding.unsupported' || e.type === 'charset.unsupported'
              ? 'unsupported_encoding'
              : 'bad_request';
      const message =
        code === 'malformed_json'
          ? 'the body is not valid JSON'
          : e.expose && typeof e.message === 'string'
            ? e.message
            : 'bad request';
      return sendError(res, new HttpError(status, code, message));
    }
    if (isRetryablePgError(err)) {
      // PostgreSQL down, restarting or saturated: the client may retry; nothing is wrong with its request.
      logger.warn({ err, reqId: req.id, method: req.method, url: req.originalUrl }, 'database unavailable');
      return sendError(
        res,
        new HttpError(
          503,
          'unavailable',
          'the database is unavailable; retry shortly',
          { request_id: req.id },
          { 'retry-after': '5' },
        ),
      );
    }
    logger.error({ err, reqId: req.id, method: req.method, url: req.originalUrl }, 'request failed');
    sendError(
      res,
      new HttpError(500, 'internal', 'internal error; see the server log', { request_id: req.id }),
    );
  };
}
