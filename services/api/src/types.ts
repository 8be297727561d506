import type { AuthContext, SiteScope } from './auth/types.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Request id: the caller's X-Request-Id when sane, else a new UUID; echoed in the answer. */
      id: string;
      auth?: AuthContext;
      site?: SiteScope;
    }
  }
}

export {};
