/** Dashboard roles, weakest last. API keys act as `admin` of their agency. */
export const ROLES = ['admin', 'user', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, set on `req.auth` by the authentication middleware. */
export interface AuthContext {
  agencyId: string;
  role: Role;
  /** The dashboard user; null for an agency API key. */
  userId: string | null;
  via: 'user' | 'api_key' | 'share';
  /** The login session of a user token (null for API keys); logout revokes it. */
  sessionId: string | null;
  /**
   * Which of the agency's sites the caller sees: 'all', or 'selected' (only the sites granted in
   * user_site_access). Admins and API keys are always 'all'. Applied by the site scope (site-scope.ts).
   */
  siteAccess: SiteAccess;
  /**
   * Set for a viewer of a shared dashboard (via 'share'): the one site it shows, the filters fixed by
   * the link (they override the query's), and whether CSV exports are allowed. Only routes declaring
   * `share` answer such a caller (route-table.ts).
   */
  share?: ShareGrant;
}

export interface ShareGrant {
  linkId: string;
  siteId: string;
  filters: Partial<Record<string, string[]>>;
  allowCsv: boolean;
}

export const SITE_ACCESS = ['all', 'selected'] as const;
export type SiteAccess = (typeof SITE_ACCESS)[number];

/** The site a `:siteId` route works on, resolved within the caller's agency (see site-scope.ts). */
export interface SiteScope {
  id: string;
  agencyId: string;
  /** events.site_id / sessions.site_id hold this. */
  scriptId: string;
  name: string;
  domain: string;
  status: 'active' | 'paused' | 'deleted';
  /** IANA timezone of the site's days (sites.config.timezone, default UTC). */
  timezone: string;
  config: Record<string, unknown>;
}

/** Roles allowed to change things (viewer is read only). */
export const WRITERS: readonly Role[] = ['admin', 'user'];
export const ADMINS: readonly Role[] = ['admin'];
export const ANY_ROLE: readonly Role[] = ROLES;
