// Whether this browser signed in before (and so may hold the httpOnly refresh cookie, which scripts
// cannot see). Only a hint, never a credential: it only decides whether a fresh load asks
// /v1/auth/refresh or goes straight to the login page.
const KEY = 'beacon.signedIn';

export function mayHaveSession(): boolean {
  try {
    return localStorage.getItem(KEY) === '1';
  } catch {
    return true; // storage off: ask, as before
  }
}

export function markSession(inside: boolean): void {
  try {
    if (inside) localStorage.setItem(KEY, '1');
    else localStorage.removeItem(KEY);
  } catch {
    // storage off: nothing to remember
  }
}
