import type { Pool } from 'pg';
import { hostnameOfAgency } from '../sql/branding.js';

/**
 * The dashboard address that links sent out (emails, share links) start with: DASHBOARD_PUBLIC_URL, on
 * the agency's own dashboard hostname when it has one (same scheme, port and path: the same deployment
 * answers both). Never a request's Host header. No trailing slash.
 */
export function dashboardUrlOf(publicUrl: string, hostname: string | null | undefined): string {
  const u = new URL(publicUrl);
  if (hostname) u.hostname = hostname;
  return u.toString().replace(/\/+$/, '');
}

/** dashboardUrlOf for an agency, reading its hostname. */
export async function agencyDashboardUrl(pool: Pool, publicUrl: string, agencyId: string): Promise<string> {
  const { rows } = await pool.query<{ hostname: string | null }>(hostnameOfAgency, [agencyId]);
  return dashboardUrlOf(publicUrl, rows[0]?.hostname);
}
