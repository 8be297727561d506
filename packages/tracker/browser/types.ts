/** Shared types of the core and the extras file (erased at build: no runtime code here). */
export type Hit = Record<string, unknown>;

/** The collector's answer to GET {data-api}?site_id=…: the site's privacy switches (sites.config). */
export interface SiteSettings {
  cookieless?: boolean;
  require_consent?: boolean;
  respect_dnt?: boolean;
}

export interface Beacon {
  (method: string, ...args: unknown[]): unknown;
  [method: string]: unknown;
  /** Calls queued for methods not loaded yet (the extras file drains them). */
  q: unknown[][];
  track(name: string, props?: Record<string, unknown>, extra?: Hit): void;
  page(props?: Record<string, unknown>): void;
  identify(userId: string | null, traits?: { email?: string; phone?: string }): Promise<void>;
  consent(yes: boolean): void;
  /** Sends what waits now; `exit` when the page is leaving (see core.ts flush). */
  flush(exit?: unknown): void;
  /** SHA-256 hex of a string; undefined when crypto.subtle is missing (insecure context). */
  sha(s: string): Promise<string | undefined>;
  /** Adds one to an engagement counter of the current page view (used by the extras file). */
  bump(counter: string): void;
}

declare global {
  interface Window {
    beacon: Beacon;
  }
}
