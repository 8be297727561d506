import { inTransaction } from '@beacon/db';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { recordAdminAction } from '../admin-actions.js';
import { hashLinkToken, issueLinkToken, setPasswordUrl, type LinkPurpose } from '../auth/account-links.js';
import { takeAttempt } from '../auth/attempts.js';
import type { ApiDeps } from '../deps.js';
import { dashboardUrlOf } from '../email/links.js';
import { actionEmail } from '../email/templates.js';
import { clientIp } from '../http/client-ip.js';
import { BadRequestError, ConflictError, NotFoundError } from '../http/errors.js';
import type { RouteTable } from '../openapi/route-table.js';
import * as sql from '../sql/account.js';
import * as authSql from '../sql/auth.js';
import { emailField, newPasswordField, roleSchema, toUser, userSchema } from './schemas.js';
import { adminRoute, insertUserWithSites, userDetails } from './users.js';

const BCRYPT_ROUNDS = 10;

const inviteBody = z
  .object({ email: emailField, role: roleSchema, ...userDetails.omit({ is_active: true }).shape })
  .strict()
  .meta({ id: 'InvitationCreate' });

const invitationSchema = z
  .object({
    expires_at: z.string(),
    email_sent: z.boolean().meta({
      description:
        'false when no SMTP server is configured (SMTP_URL) or it refused the message; resend later',
    }),
  })
  .meta({ id: 'Invitation' });

const resetBody = z
  .object({ email: z.string().trim().min(3).max(255) })
  .strict()
  .meta({ id: 'PasswordResetRequest' });

const setPasswordBody = z
  .object({ token: z.string().min(20).max(200), password: newPasswordField })
  .strict()
  .meta({ id: 'SetPassword' });

const invalidLink = () =>
  new BadRequestError('invalid_token', 'this link is not valid: it was used, replaced or has expired');

/** How long a link of this purpose works (AUTH_INVITE_TTL_H, AUTH_RESET_TTL_MIN), in seconds. */
function linkTtlS(d: ApiDeps, purpose: LinkPurpose): number {
  return purpose === 'invite' ? d.config.email.inviteTtlH * 3600 : d.config.email.resetTtlMin * 60;
}

/** Issues an invitation link for the user and mails it; answers when it expires and whether it went. */
async function sendInvitation(
  d: ApiDeps,
  user: { id: string; email: string },
  agency: { agency_name: string; agency_hostname: string | null },
) {
  const agencyName = agency.agency_name;
  const { token, expiresAt } = await issueLinkToken(d.pool, user.id, 'invite', linkTtlS(d, 'invite'));
  const mail = actionEmail({
    brand: agencyName,
    heading: `You are invited to ${agencyName}'s analytics`,
    paragraphs: [
      `${agencyName} gave ${user.email} a login to its web analytics dashboard.`,
      `Choose your password to open it. The link works once and until ${expiresAt.toUTCString()}.`,
    ],
    action: {
      label: 'Choose my password',
      url: setPasswordUrl(
        dashboardUrlOf(d.config.email.dashboardPublicUrl, agency.agency_hostname),
        token,
        'invite',
      ),
    },
    footer:
      'If you did not expect this invitation you can ignore this email: nothing happens until the link is used.',
  });
  let sent = false;
  try {
    sent = (
      await d.mailer.send({ to: user.email, subject: `Your login to ${agencyName}'s analytics`, ...mail })
    ).sent;
  } catch (err) {
    d.logger.error({ err, userId: user.id }, 'invitation email could not be sent');
  }
  return { expires_at: expiresAt.toISOString(), email_sent: sent };
}

/** Mails a reset link when the email is an active account's; nothing (and no hint) otherwise. */
async function mailResetLink(d: ApiDeps, email: string): Promise<void> {
  const { rows } = await d.pool.query<{
    id: string;
    email: string;
    agency_name: string;
    agency_hostname: string | null;
  }>(sql.findActiveUserByEmail, [email]);
  const u = rows[0];
  if (!u) return;
  const { token, expiresAt } = await issueLinkToken(d.pool, u.id, 'reset', linkTtlS(d, 'reset'));
  const mail = actionEmail({
    brand: u.agency_name,
    heading: 'Reset your password',
    paragraphs: [
      `Someone (hopefully you) asked to reset the password of ${u.email}.`,
      `The link works once and until ${expiresAt.toUTCString()}. Your current password keeps working until you choose a new one.`,
    ],
    action: {
      label: 'Choose a new password',
      url: setPasswordUrl(
        dashboardUrlOf(d.config.email.dashboardPublicUrl, u.agency_hostname),
        token,
        'reset',
      ),
    },
    footer: 'If you did not ask for this, ignore this email: your password stays as it is.',
  });
  await d.mailer.send({ to: u.email, subject: 'Reset your password', ...mail });
}

/**
 * Client logins without passwords chosen by an admin: invitations (the invitee sets their password
 * through a one-time link), password reset by email, and the public route both links lead to.
 */
export function registerAccountRoutes(t: RouteTable, d: ApiDeps): void {
  registerInvitations(t, d);
  registerPasswordReset(t, d);
  registerSetPassword(t, d);
}

function registerInvitations(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'post /v1/invitations',
      summary: 'Invite a person by email (they choose their own password through a one-time link)',
      description:
        'Creates the user (active, with no usable password) and emails a single-use link valid AUTH_INVITE_TTL_H hours. ' +
        'site_access "selected" with site_ids makes a client login that sees only those sites.',
      ...adminRoute,
      body: inviteBody,
      responses: {
        201: [
          'The invited user and the invitation',
          z.object({ user: userSchema, invitation: invitationSchema }).meta({ id: 'InvitationAnswer' }),
        ],
        409: 'The email is taken',
      },
    },
    async ({ auth, body }) => {
      // Nobody knows this secret: the account cannot be logged into until its owner sets a password.
      const unusable = await d.bcrypt.hash(randomBytes(32).toString('base64url'), 4);
      const user = await insertUserWithSites(d, auth, body, unusable);
      const { rows } = await d.pool.query<{ agency_name: string; agency_hostname: string | null }>(
        sql.findInvitee,
        [auth.agencyId, user.id],
      );
      recordAdminAction(d, auth, 'user.invite', {
        user_id: user.id,
        role: user.role,
        site_access: user.site_access,
      });
      return { user: toUser(user), invitation: await sendInvitation(d, user, rows[0]!) };
    },
  );

  t.define(
    {
      route: 'post /v1/users/:userId/invitation',
      summary: 'Send a new invitation link to a user who has not logged in yet (earlier links stop working)',
      ...adminRoute,
      params: z.object({ userId: z.uuid() }),
      responses: {
        200: ['The invitation', invitationSchema],
        409: 'The user has already logged in (they can reset their password)',
      },
    },
    async ({ auth, params }) => {
      const { rows } = await d.pool.query<{
        id: string;
        email: string;
        last_login: Date | null;
        agency_name: string;
        agency_hostname: string | null;
      }>(sql.findInvitee, [auth.agencyId, params.userId]);
      const u = rows[0];
      if (!u) throw new NotFoundError('user');
      if (u.last_login)
        throw new ConflictError('this user has already logged in; they can reset their password');
      recordAdminAction(d, auth, 'user.invite_resend', { user_id: u.id });
      return sendInvitation(d, u, u);
    },
  );
}

function registerPasswordReset(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'post /v1/auth/password-reset',
      summary: 'Ask for a password-reset link by email',
      description:
        'Always 202 with the same answer, whether the email belongs to an account or not (no enumeration); the work and the email happen after the answer. ' +
        'Limited per IP and per email (429 with Retry-After). The link is single use, valid AUTH_RESET_TTL_MIN minutes, and voids earlier ones.',
      tags: ['auth'],
      auth: false,
      body: resetBody,
      responses: {
        202: ['Accepted', z.object({ message: z.string() }).meta({ id: 'PasswordResetAccepted' })],
        429: 'Too many requests',
      },
    },
    async ({ body, req }) => {
      const email = body.email.toLowerCase();
      // Every request takes a point (never refunded): a reset flood cannot spam an inbox.
      await d.accountThrottle.consume(clientIp(req) ?? 'unknown', email);
      void mailResetLink(d, email).catch((err: unknown) =>
        d.logger.error({ err }, 'password reset email could not be sent'),
      );
      return { message: 'If this email belongs to an active account, a reset link is on its way.' };
    },
  );
}

function registerSetPassword(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'post /v1/auth/set-password',
      summary: 'Choose a password with a one-time link token (invitation or reset)',
      description:
        'The token is single use. Setting the password ends every login session of the user. Attempts are limited per IP (a valid token gives its point back).',
      tags: ['auth'],
      auth: false,
      body: setPasswordBody,
      responses: {
        204: 'Password set: log in with it',
        400: 'Invalid input, or the link was used, replaced or has expired (error invalid_token)',
        429: 'Too many attempts',
      },
    },
    async ({ body, req }) => {
      const attempt = await takeAttempt(d, d.accountThrottle, req, 'rate_limited');
      const hash = hashLinkToken(body.token);
      if ((await d.pool.query(sql.peekToken, [hash])).rowCount === 0) throw invalidLink();
      const passwordHash = await d.bcrypt.hash(body.password, BCRYPT_ROUNDS);
      // Taking the token and setting the password commit together: two racing uses, one winner.
      await inTransaction(d.pool, async (client) => {
        const { rows } = await client.query<{ user_id: string; purpose: LinkPurpose }>(sql.takeToken, [hash]);
        const taken = rows[0];
        if (!taken) throw invalidLink();
        await client.query(sql.setPassword, [taken.user_id, passwordHash]);
        await client.query(authSql.revokeUserSessions, [taken.user_id, 'password_changed']);
      });
      await attempt.succeeded();
      return undefined;
    },
  );
}
