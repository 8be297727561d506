/**
 * Types of `window.beacon`, the Beacon tracker's browser API (docs/tracker.md "JavaScript API").
 * Use: `/// <reference types="@beacon-analytics/tracker/window" />` once in a project, or add
 * `"@beacon-analytics/tracker/window"` to `compilerOptions.types`. The methods marked "extras" exist
 * once the extras file loaded (snippet with `data-extras`); before that, call them as
 * `beacon('purchase', data)` and the call waits for it.
 */
export {};

/** Properties of a custom event (stored as `properties`). */
export type BeaconProps = Record<string, unknown>;
/** Ecommerce data as given (transaction_id, value, currency, items, ...): stored as `ecommerce_data`. */
export type BeaconEcommerce = Record<string, unknown>;

export interface BeaconApi {
  /** Stub form: `beacon('track', 'signup', {...})`, also before the script has loaded. */
  (method: string, ...args: unknown[]): unknown;
  /** A custom event; props go to `properties`. */
  track(name: string, props?: BeaconProps): void;
  /** A page view by hand (snippet with `data-manual`). */
  page(props?: BeaconProps): void;
  /** user_id plus SHA-256 of email / phone (hashed in the browser; raw values never leave the page). */
  identify(userId: string | null, traits?: { email?: string; phone?: string }): Promise<void>;
  /** true: send what waits; false: drop waiting hits, the outbox and the cookies. */
  consent(yes: boolean): void;
  /** Sends what waits now. */
  flush(): void;
  /** extras: any event name with ecommerce_data. */
  ecommerce?(name: string, data?: BeaconEcommerce, props?: BeaconProps): void;
  /** extras */
  viewItem?(data: BeaconEcommerce): void;
  /** extras */
  addToCart?(data: BeaconEcommerce): void;
  /** extras */
  removeFromCart?(data: BeaconEcommerce): void;
  /** extras */
  beginCheckout?(data: BeaconEcommerce): void;
  /** extras */
  purchase?(data: BeaconEcommerce): void;
  /** extras: generate_lead (or `name`); email and phone are sent only as SHA-256. */
  lead?(data?: Record<string, unknown> & { email?: string; phone?: string }, name?: string): Promise<void>;
}

declare global {
  interface Window {
    /** Undefined until the snippet (or the one-line stub) ran. */
    beacon?: BeaconApi;
  }
}
