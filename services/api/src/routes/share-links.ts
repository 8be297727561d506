import { randomBytes } from 'node:crypto';
import type { Request } from 'express';
import { z } from 'zod';
import { recordAdminAction } from '../admin-actions.js';
import { hashLinkToken } from '../auth/account-links.js';
import { takeAttempt } from '../auth/attempts.js';
import { WRITERS } from '../auth/types.js';
import type { ApiDeps } from '../deps.js';
import { clientIp } from '../http/client-ip.js';
import { NotFoundError, UnauthorizedError } from '../http/errors.js';
import { agencyDashboardUrl } from '../email/links.js';
import type { RouteTable } from '../openapi/route-table.js';
import { FILTER_KEYS } from '../queries/filters.js';
import * as sql from '../sql/share-links.js';
import { brandOf, brandSchema } from './branding.js';
import { changesOf, iso, newPasswordField } from './schemas.js';
import { byAgencyAndSite, siteResource } from './site-resource.js';
import { parseSiteConfig, HttpError } from '@beacon/schema';

const BCRYPT_ROUNDS = 10;
const tags = ['sharing'];
/** Share-link tokens: `bshl_` + 32 random bytes; only their SHA-256 is stored. */
const LINK_PREFIX = 'bshl_';

const origin = z
  .string()
  .trim()
  .toLowerCase()
  .max(255)
  .regex(
    /^https?:\/\/(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(:\d{1,5})?$/,
    'an origin such as https://client.example (or https://*.client.example)',
  );

const filtersField = z
  .partialRecord(
    z.enum(FILTER_KEYS as [string, ...string[]]),
    z.array(z.string().min(1).max(500)).min(1).max(50),
  )
  .meta({
    description:
      'filters fixed by the link (same keys as the stats filters, e.g. {"page_path": ["/pricing"]}): they replace what a viewer asks, so the link shows only this scope',
  });

const futureDate = z.iso
  .datetime({ offset: true })
  .refine((v) => new Date(v).getTime() > Date.now(), 'must be in the future');

const createBody = z
  .object({
    label: z.string().trim().min(1).max(200),
    password: newPasswordField.optional(),
    expires_at: futureDate.nullable().optional(),
    filters: filtersField.optional(),
    allow_csv: z.boolean().optional(),
    frame_ancestors: z
      .array(origin)
      .max(20)
      .optional()
      .meta({ description: 'origins allowed to show the shared view in an iframe; empty: none (default)' }),
  })
  .strict()
  .meta({ id: 'ShareLinkCreate' });

const updateBody = changesOf(
  {
    label: z.string().trim().min(1).max(200),
    expires_at: futureDate.nullable(),
    filters: filtersField,
    allow_csv: z.boolean(),
    frame_ancestors: z.array(origin).max(20),
  },
  'ShareLinkUpdate',
);

const linkSchema = z
  .object({
    id: z.uuid(),
    label: z.string(),
    status: z.enum(['active', 'expired', 'revoked']),
    has_password: z.boolean(),
    expires_at: z.string().nullable(),
    filters: z.record(z.string(), z.array(z.string())),
    allow_csv: z.boolean(),
    frame_ancestors: z.array(z.string()),
    created_by: z.uuid().nullable(),
    created_at: z.string(),
    revoked_at: z.string().nullable(),
  })
  .meta({ id: 'ShareLink' });

interface LinkRow {
  id: string;
  label: string;
  has_password: boolean;
  expires_at: Date | null;
  filters: Record<string, string[]>;
  allow_csv: boolean;
  frame_ancestors: string[];
  created_by: string | null;
  created_at: Date;
  revoked_at: Date | null;
}

function toLink(r: LinkRow): z.infer<typeof linkSchema> {
  return {
    id: r.id,
    label: r.label,
    status: r.revoked_at ? 'revoked' : r.expires_at && r.expires_at <= new Date() ? 'expired' : 'active',
    has_password: r.has_password,
    expires_at: iso(r.expires_at),
    filters: r.filters ?? {},
    allow_csv: r.allow_csv,
    frame_ancestors: r.frame_ancestors,
    created_by: r.created_by,
    created_at: iso(r.created_at)!,
    revoked_at: iso(r.revoked_at),
  };
}

/**
 * The address of the shared view of a link token (DASHBOARD_PUBLIC_URL or the agency's dashboard hostname,
 * never a request's Host).
 */
export function shareUrl(dashboardUrl: string, token: string): string {
  return `${dashboardUrl.replace(/\/+$/, '')}/share/${token}`;
}

/** Whether a path segment could be a share-link token (before any database lookup). */
export function looksLikeLinkToken(s: string): boolean {
  return /^bshl_[A-Za-z0-9_-]{43}$/.test(s);
}

/**
 * Shared dashboards: per site, any number of read-only links (admins and users manage them), and the
 * public exchange of a link (and its password) for a short share token that opens only the routes
 * declaring `share` in the route table, for that one site, with the link's filters.
 */
export function registerShareLinkRoutes(t: RouteTable, d: ApiDeps): void {
  const links = siteResource<LinkRow, typeof linkSchema>(t, d, {
    noun: 'share link',
    tags,
    readRoles: WRITERS,
    owner: byAgencyAndSite,
    item: linkSchema,
    toItem: toLink,
    adminAction: { action: 'share_link', idKey: 'link_id' },
  });
  links.list({
    summary: "The site's share links (revoked and expired ones too), newest first",
    answer: 'The links',
    listId: 'ShareLinkList',
    sql: sql.listLinks,
  });
  registerLinkCreate(t, d);
  links.update({
    method: 'patch',
    summary:
      'Change a share link (label, expiry, filters, CSV, framing origins); revoked links cannot change',
    body: updateBody,
    answer: 'The changed link',
    sql: sql.updateLink,
    values: (b) => [
      b.label ?? null,
      b.expires_at !== undefined,
      b.expires_at ?? null,
      b.filters ? JSON.stringify(b.filters) : null,
      b.allow_csv ?? null,
      b.frame_ancestors ?? null,
    ],
  });
  links.remove({
    summary: 'Revoke a share link (refused from the next request on)',
    answer: 'Revoked',
    verb: 'revoke',
    sql: sql.revokeLink,
  });
  registerShareSession(t, d);
}

/** A new link: its token is in this answer only (the table keeps its SHA-256). */
function registerLinkCreate(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'post /v1/sites/:siteId/share-links',
      summary: 'Make a share link (its address is in this answer only: it is not stored)',
      tags,
      roles: WRITERS,
      body: createBody,
      responses: {
        201: [
          'The link and its address',
          z.object({ link: linkSchema, url: z.string(), token: z.string() }).meta({ id: 'ShareLinkCreated' }),
        ],
      },
    },
    async ({ auth, site, body }) => {
      const token = `${LINK_PREFIX}${randomBytes(32).toString('base64url')}`;
      const passwordHash = body.password ? await d.bcrypt.hash(body.password, BCRYPT_ROUNDS) : null;
      const { rows } = await d.pool.query<LinkRow>(sql.insertLink, [
        auth.agencyId,
        site.id,
        hashLinkToken(token),
        body.label,
        passwordHash,
        body.expires_at ?? null,
        JSON.stringify(body.filters ?? {}),
        body.allow_csv ?? false,
        body.frame_ancestors ?? [],
        auth.userId,
      ]);
      recordAdminAction(d, auth, 'share_link.create', {
        link_id: rows[0]!.id,
        site_id: site.id,
        label: body.label,
      });
      const base = await agencyDashboardUrl(d.pool, d.config.email.dashboardPublicUrl, auth.agencyId);
      return { link: toLink(rows[0]!), url: shareUrl(base, token), token };
    },
  );
}

const sessionBody = z
  .object({ token: z.string().min(10).max(100), password: z.string().min(1).max(1024).optional() })
  .strict()
  .meta({ id: 'ShareSessionRequest' });

const sessionSchema = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int(),
    site: z.object({ id: z.uuid(), name: z.string(), domain: z.string(), timezone: z.string() }),
    brand: brandSchema,
    link: z.object({
      label: z.string(),
      allow_csv: z.boolean(),
      filters: z.record(z.string(), z.array(z.string())),
      expires_at: z.string().nullable(),
    }),
  })
  .meta({ id: 'ShareSession' });

/** A link a token opens: what the view needs of it, its password, its site and agency. */
type LiveLinkRow = Pick<LinkRow, 'id' | 'label' | 'expires_at' | 'filters' | 'allow_csv'> & {
  site_id: string;
  password_hash: string | null;
  site_name: string;
  site_domain: string;
  site_config: Record<string, unknown> | null;
  agency_id: string;
};

/**
 * The live link of a token, its password checked: guessing tokens or passwords costs the caller's
 * IP budget like a wrong login (consume first, refund on success).
 */
async function openLink(d: ApiDeps, body: z.infer<typeof sessionBody>, req: Request): Promise<LiveLinkRow> {
  const { rows } = await d.pool.query<LiveLinkRow>(sql.findLiveLinkByToken, [hashLinkToken(body.token)]);
  const link = rows[0];
  if (!link) {
    await d.accountThrottle.consume(clientIp(req) ?? 'unknown');
    throw new NotFoundError('share link');
  }
  if (!link.password_hash) return link;
  if (body.password === undefined)
    // The brand for the password page: what the view shows past it, and a login page shows.
    throw new HttpError(401, 'unauthorized', 'this share link needs its password', {
      password_required: true,
      brand: await brandOf(d, link.agency_id),
    });
  const attempt = await takeAttempt(d, d.accountThrottle, req, 'share_rate_limited', `share:${link.id}`);
  if (!(await d.bcrypt.compare(body.password, link.password_hash))) {
    d.metrics.authFailures.inc({ reason: 'share_bad_password' });
    throw new UnauthorizedError('wrong password for this share link', 'invalid_credentials');
  }
  await attempt.succeeded();
  return link;
}

function registerShareSession(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'post /v1/share/session',
      summary: 'Open a share link: trade its token (and password) for a short token of the shared view',
      description:
        "Public. The answer token (Authorization: Bearer) opens only the dashboard reads of the link's site (CSV exports when the link allows them), with the link's filters, for an hour at most; a revoked or expired link is refused at its next request. " +
        'Password attempts are limited per IP and per link like logins (consume first, refund on success: 100 concurrent wrong passwords get at most the limit of 401s, the rest 429) and go through the bounded bcrypt gate.',
      tags,
      auth: false,
      body: sessionBody,
      responses: {
        200: ['The shared view token, the site and what the link allows', sessionSchema],
        401: "A password is needed (details.password_required, with details.brand: the agency's brand for the password page) or it is wrong",
        404: 'No such link, or it was revoked or has expired',
        429: 'Too many attempts',
      },
    },
    async ({ body, req, res }) => {
      const link = await openLink(d, body, req);
      const { token, expiresIn } = await d.shares.sign(link.id, link.expires_at);
      res.setHeader('cache-control', 'no-store');
      return {
        access_token: token,
        token_type: 'Bearer' as const,
        expires_in: expiresIn,
        site: {
          id: link.site_id,
          name: link.site_name,
          domain: link.site_domain,
          timezone: parseSiteConfig(link.site_config ?? {}).timezone,
        },
        brand: await brandOf(d, link.agency_id),
        link: {
          label: link.label,
          allow_csv: link.allow_csv,
          filters: link.filters ?? {},
          expires_at: iso(link.expires_at),
        },
      };
    },
  );
}
