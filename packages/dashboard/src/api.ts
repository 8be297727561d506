// The API client: an access token kept in memory, renewed through the refresh cookie (httpOnly,
// SameSite=Strict, path /v1/auth) when it expires or the page reloads. One refresh at a time: the API
// rotates refresh tokens and treats a replayed one as leaked, so parallel refreshes must share one call.
import { HttpError } from '@beacon/schema/http-error';
import type { Brand, Me, TokenAnswer } from './types';

let accessToken: string | null = null;
let refreshing: Promise<boolean> | null = null;
const listeners = new Set<(signedIn: boolean) => void>();

/** Called when the session ends (refresh refused): the app shows the login page. */
export function onSessionChange(fn: (signedIn: boolean) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function setToken(t: string | null): void {
  accessToken = t;
  for (const fn of listeners) fn(t !== null);
}

async function errorOf(r: Response): Promise<HttpError> {
  let code = `http_${r.status}`;
  let message = `${r.status} ${r.statusText}`;
  let details: unknown;
  try {
    const body = (await r.json()) as { error?: string; message?: string; details?: unknown };
    if (body.error) code = body.error;
    if (body.message) message = body.message;
    details = body.details;
  } catch {
    // not JSON: keep the status line
  }
  if (r.status === 429)
    message = `${message} (too many attempts: wait ${r.headers.get('retry-after') ?? 'a while'} s)`;
  return new HttpError(r.status, code, message, details);
}

async function post(path: string, body: unknown): Promise<Response> {
  return fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify(body),
  });
}

/** On a shared dashboard: opens its link again (the share token is short), instead of the login cookie. */
let shareReopen: (() => Promise<boolean>) | null = null;

/** What opening a share link answers (POST /v1/share/session). */
export interface ShareSession {
  access_token: string;
  expires_in: number;
  site: { id: string; name: string; domain: string; timezone: string };
  brand: Brand;
  link: { label: string; allow_csv: boolean; filters: Record<string, string[]>; expires_at: string | null };
}

/**
 * Opens a shared dashboard: trades the link token (and its password) for a share token that every
 * request of the page then carries. The password stays in this page's memory only, to reopen the link.
 */
export async function openShare(token: string, password?: string): Promise<ShareSession> {
  const r = await post('/v1/share/session', { token, ...(password ? { password } : {}) });
  if (!r.ok) throw await errorOf(r);
  const s = (await r.json()) as ShareSession;
  accessToken = s.access_token;
  shareReopen = () =>
    openShare(token, password).then(
      () => true,
      () => false,
    );
  return s;
}

/** Chooses a password with a one-time link token (invitation or reset). */
export async function setPassword(token: string, password: string): Promise<void> {
  const r = await post('/v1/auth/set-password', { token, password });
  if (!r.ok) throw await errorOf(r);
}

/** Asks for a password-reset email (the answer is the same whether the account exists or not). */
export async function requestPasswordReset(email: string): Promise<void> {
  const r = await post('/v1/auth/password-reset', { email });
  if (!r.ok) throw await errorOf(r);
}

/** Trades the refresh cookie for a new access token; false when there is no valid session. */
export function refresh(): Promise<boolean> {
  if (shareReopen) return shareReopen();
  refreshing ??= (async () => {
    try {
      const r = await post('/v1/auth/refresh', {});
      if (!r.ok) {
        setToken(null);
        return false;
      }
      setToken(((await r.json()) as TokenAnswer).access_token);
      return true;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

export async function login(email: string, password: string): Promise<void> {
  const r = await post('/v1/auth/login', { email, password });
  if (!r.ok) throw await errorOf(r);
  setToken(((await r.json()) as TokenAnswer).access_token);
}

export async function logout(): Promise<void> {
  await fetch('/v1/auth/logout', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
    },
    body: '{}',
  }).catch(() => undefined);
  setToken(null);
}

export function signedIn(): boolean {
  return accessToken !== null;
}

/** An authenticated request; on 401 it refreshes once and retries. Answers the raw Response. */
export async function request(method: string, path: string, body?: unknown): Promise<Response> {
  if (!accessToken) await refresh();
  const send = () =>
    fetch(path, {
      method,
      headers: {
        ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  let r = await send();
  if (r.status === 401 && (await refresh())) r = await send();
  if (!r.ok) throw await errorOf(r);
  return r;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const r = await request(method, path, body);
  return (r.status === 204 ? undefined : await r.json()) as T;
}

export const get = <T>(path: string) => api<T>('GET', path);

export const fetchMe = () => get<Me>('/v1/me');

/** Downloads an authenticated CSV (a plain link cannot carry the bearer token). */
export async function download(path: string, filename: string): Promise<void> {
  const r = await request('GET', path);
  const url = URL.createObjectURL(await r.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
