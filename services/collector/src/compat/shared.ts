import type { Request } from 'express';
import { badRequest } from '../errors.js';

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
export const userAgentOf = (req: Request): string | undefined => str(req.headers['user-agent']);

/** A peer's event name in Beacon's words: page views are `page_view` whatever the peer calls them. */
export function eventName(name: unknown, pageViewNames: readonly string[]): unknown {
  if (typeof name !== 'string') return name;
  return pageViewNames.includes(name.trim().toLowerCase()) ? 'page_view' : name;
}

/** The body as a JSON object (the peers' clients send JSON, some as text/plain). */
export function jsonBody(text: string): Json {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw badRequest('invalid_json', `the body is not valid JSON: ${(err as Error).message.slice(0, 200)}`);
  }
  if (!isObject(body)) throw badRequest('invalid_body', 'the body must be a JSON object');
  return body;
}

/** A URL from a host and a path (Umami sends the path), or the URL itself when absolute. */
export function absoluteUrl(url: unknown, host: unknown): string | undefined {
  const u = str(url);
  if (!u) return undefined;
  if (URL.canParse(u)) return u;
  const h = str(host);
  return h ? `https://${h}${u.startsWith('/') ? '' : '/'}${u}` : u;
}

/** Splits an object into Beacon's properties, leaving out undefined values. */
export function defined(o: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}
