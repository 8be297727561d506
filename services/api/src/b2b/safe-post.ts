import { lookup } from 'node:dns/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import ipaddr from 'ipaddr.js';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';

/**
 * Outgoing requests to addresses customers give (alert webhooks, Slack): never to this host, the
 * private network or a cloud metadata service (SSRF). Checked twice: when an endpoint is saved (every
 * address its name resolves to) and on every connection, after DNS resolution, by
 * request-filtering-agent (MIT; a name that changed to a private address since is refused then).
 * Redirects are not followed: a 3xx answer is a failed attempt, so a redirect cannot lead inside.
 * `allowLoopback` is ALERTS_ALLOW_LOOPBACK_RECEIVERS_TEST_ONLY (tests' local receivers).
 */
export interface SafePostOptions {
  allowLoopback: boolean;
  timeoutMs: number;
}

const LOOPBACK = ['127.0.0.0/8', '::1/128'];

export class UnsafeUrlError extends Error {
  override readonly name = 'UnsafeUrlError';
}

/** Whether an address may be called: public unicast only (or loopback with the test-only switch). */
export function isPublicAddress(address: string, allowLoopback: boolean): boolean {
  if (!ipaddr.isValid(address)) return false;
  let a = ipaddr.parse(address);
  if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()) a = (a as ipaddr.IPv6).toIPv4Address();
  const range = a.range();
  return range === 'unicast' || (allowLoopback && range === 'loopback');
}

/** Refuses (UnsafeUrlError) a URL that is not http(s) to a public address, resolving its name. */
export async function checkPublicUrl(raw: string, allowLoopback: boolean): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeUrlError('not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UnsafeUrlError('only http and https');
  if (url.username || url.password) throw new UnsafeUrlError('no credentials in the URL');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = ipaddr.isValid(host)
      ? [host]
      : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch {
    throw new UnsafeUrlError(`${host} does not resolve`);
  }
  const bad = addresses.find((a) => !isPublicAddress(a, allowLoopback));
  if (bad)
    throw new UnsafeUrlError(`${host} is a private, loopback, link-local or reserved address (${bad})`);
  return url;
}

export interface PostResult {
  status: number | null;
  error: string | null;
  latencyMs: number;
}

/** POSTs a JSON body; answers the status (2xx: delivered) or the error, never throws. */
export async function safePostJson(
  rawUrl: string,
  body: string,
  headers: Record<string, string>,
  o: SafePostOptions,
): Promise<PostResult> {
  const started = performance.now();
  const done = (status: number | null, error: string | null): PostResult => ({
    status,
    error,
    latencyMs: Math.round(performance.now() - started),
  });
  let url: URL;
  try {
    url = await checkPublicUrl(rawUrl, o.allowLoopback);
  } catch (err) {
    return done(null, (err as Error).message);
  }
  const filter = { allowPrivateIPAddress: false, allowIPAddressList: o.allowLoopback ? LOOPBACK : [] };
  const https = url.protocol === 'https:';
  const agent = https ? new RequestFilteringHttpsAgent(filter) : new RequestFilteringHttpAgent(filter);
  return new Promise<PostResult>((resolve) => {
    const req = (https ? httpsRequest : httpRequest)(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'user-agent': 'Beacon-Alerts/1', ...headers },
        timeout: o.timeoutMs,
      },
      (res) => {
        res.resume(); // the answer's body is not kept
        res.on('end', () => {
          const s = res.statusCode ?? 0;
          resolve(
            done(s, s >= 300 && s < 400 ? 'redirects are not followed' : s >= 300 ? `HTTP ${s}` : null),
          );
        });
        res.on('error', (err) => resolve(done(res.statusCode ?? null, err.message)));
      },
    );
    const deadline = setTimeout(
      () => req.destroy(new Error(`no answer within ${o.timeoutMs} ms`)),
      o.timeoutMs,
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${o.timeoutMs} ms`)));
    req.on('error', (err) => resolve(done(null, err.message)));
    req.on('close', () => {
      clearTimeout(deadline);
      agent.destroy();
    });
    req.end(body);
  });
}
