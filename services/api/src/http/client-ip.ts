import type { Request } from 'express';

/**
 * The caller's IP as express resolves it through the trusted proxies (API_TRUST_PROXY), for login
 * limits, session records and the audit log; null when the socket has already gone.
 */
export function clientIp(req: Request): string | null {
  return req.ip ?? req.socket.remoteAddress ?? null;
}
