import type { AuthContext } from './auth/types.js';
import type { ApiDeps } from './deps.js';

/**
 * The one place the client-reporting admin actions pass through (invitations, site grants, share
 * links, report schedules): the hook for the audit log. It writes one structured log line per action
 * ("admin action", with who, which agency and what) until the audit module records them.
 */
export function recordAdminAction(
  d: Pick<ApiDeps, 'logger'>,
  auth: AuthContext,
  action: string,
  target: Record<string, unknown>,
): void {
  d.logger.info(
    { audit: { action, agency_id: auth.agencyId, actor_user_id: auth.userId, via: auth.via, ...target } },
    'admin action',
  );
}
