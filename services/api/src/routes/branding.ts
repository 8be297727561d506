import { z } from 'zod';
import { recordAdminAction } from '../admin-actions.js';
import { ADMINS, ANY_ROLE } from '../auth/types.js';
import type { ApiDeps } from '../deps.js';
import { conflictOnUnique, invalidBodyField, NotFoundError } from '../http/errors.js';
import type { RouteTable } from '../openapi/route-table.js';
import * as sql from '../sql/branding.js';
import { changesOf, iso } from './schemas.js';
import { domainSchema } from './sites.js';

/** Largest logo, decoded (it travels inline in share views: keep it small). */
export const LOGO_MAX_BYTES = 64 * 1024;
/** The agency's settings: admins only (what every role may read says so). */
const adminRoute = { tags: ['agency'], roles: ADMINS };
const LOGO_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;

/** The type a logo's bytes really are (by their signature), or null. SVG is never accepted. */
export function sniffImage(b: Buffer): (typeof LOGO_TYPES)[number] | null {
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'image/png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP')
    return 'image/webp';
  return null;
}

export const brandingSchema = z
  .object({
    display_name: z.string().nullable(),
    primary_color: z.string().nullable(),
    hide_powered_by: z.boolean(),
    hostname: z.string().nullable().meta({
      description:
        "the agency's own dashboard hostname: the login page and dashboard served there carry this brand, and email links use it",
    }),
    logo: z.object({ type: z.string(), bytes: z.number().int() }).nullable(),
    updated_at: z.string().nullable(),
  })
  .meta({ id: 'Branding' });

interface Row {
  display_name: string | null;
  primary_color: string | null;
  hide_powered_by: boolean;
  hostname: string | null;
  logo_type: string | null;
  logo_bytes: number | null;
  updated_at: Date;
}
const toBranding = (r: Row | undefined) => ({
  display_name: r?.display_name ?? null,
  primary_color: r?.primary_color ?? null,
  hide_powered_by: r?.hide_powered_by ?? false,
  hostname: r?.hostname ?? null,
  logo: r?.logo_type && r.logo_bytes ? { type: r.logo_type, bytes: Number(r.logo_bytes) } : null,
  updated_at: iso(r?.updated_at ?? null),
});

/** What the share view and the login page show of an agency's brand (the logo inline, as a data URL). */
export const brandSchema = z
  .object({
    name: z.string(),
    primary_color: z.string().nullable(),
    powered_by: z.boolean().meta({ description: 'show the unobtrusive "Powered by Beacon"' }),
    logo: z.string().nullable().meta({ description: 'data: URL of the logo' }),
  })
  .meta({ id: 'Brand' });

interface BrandRow {
  name: string;
  primary_color: string | null;
  hide_powered_by: boolean;
  logo: Buffer | null;
  logo_type: string | null;
}
const toBrand = (r: BrandRow): z.infer<typeof brandSchema> => ({
  name: r.name,
  primary_color: r.primary_color,
  powered_by: !r.hide_powered_by,
  logo: r.logo && r.logo_type ? `data:${r.logo_type};base64,${r.logo.toString('base64')}` : null,
});

/** The brand of an agency, as a share view shows it. */
export async function brandOf(d: ApiDeps, agencyId: string): Promise<z.infer<typeof brandSchema>> {
  const { rows } = await d.pool.query<BrandRow>(sql.brandOfAgency, [agencyId]);
  if (!rows[0]) throw new NotFoundError('agency');
  return toBrand(rows[0]);
}

/** Seconds browsers and proxies may keep the brand of a hostname (a changed brand shows within it). */
export const BRAND_MAX_AGE_S = 60;

/** White-label of the agency (admins): name, colour, "powered by", hostname, logo; and the public brand. */
export function registerBrandingRoutes(t: RouteTable, d: ApiDeps): void {
  registerBrand(t, d);
  registerOwnBrand(t, d);
  registerLogo(t, d);
  registerHostBrand(t, d);
}

/**
 * The agency's dashboard hostname as a client may set it: a host name (lower-cased, no port, not an IP
 * address), never the host of DASHBOARD_PUBLIC_URL (every agency's default address).
 */
const hostnameField = domainSchema
  .max(253)
  .refine((h) => !/^[0-9]+$/.test(h.slice(h.lastIndexOf('.') + 1)), 'a host name, not an IP address')
  .refine((h) => h.includes('.'), 'a host name such as analytics.agency.example');

function checkHostname(d: ApiDeps, hostname: string | null | undefined): void {
  if (hostname && hostname === new URL(d.config.email.dashboardPublicUrl).hostname)
    throw invalidBodyField('hostname', {
      path: ['hostname'],
      code: 'reserved',
      message: "the host of DASHBOARD_PUBLIC_URL is every agency's address",
    });
}

/**
 * The brand of the host the request came to (Host, or X-Forwarded-Host from a trusted proxy: express's
 * `trust proxy`, API_TRUST_PROXY), for the login page before anyone signs in. Public, read-only: what a
 * login page shows and nothing else (no agency id).
 */
function registerHostBrand(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'get /v1/brand',
      summary: "The brand of the agency whose dashboard hostname the request came to (the login page's)",
      description: `Public and read-only. 204 when the host is no agency's dashboard hostname (the page shows Beacon's own brand; not an error, so a page on the default address logs none). Cacheable for ${BRAND_MAX_AGE_S} s, per host.`,
      tags: ['auth'],
      auth: false,
      responses: {
        200: ['The brand', brandSchema],
        204: "No agency's dashboard hostname: Beacon's own brand",
      },
    },
    async ({ req, res, setStatus }) => {
      res.setHeader('cache-control', `public, max-age=${BRAND_MAX_AGE_S}`);
      res.setHeader('vary', 'Host, X-Forwarded-Host');
      // Lower case, without the root's trailing dot (analytics.agency.example. is the same name).
      const host = req.hostname.toLowerCase().replace(/\.$/, '');
      const { rows } = await d.pool.query<BrandRow>(sql.brandOfHostname, [host]);
      if (!rows[0]) {
        setStatus(204);
        return undefined;
      }
      return toBrand(rows[0]);
    },
  );
}

/** The logo's bytes, checked: at most LOGO_MAX_BYTES, really an image of the declared type. */
function checkedLogo(body: { content_type: (typeof LOGO_TYPES)[number]; data: string }) {
  const bytes = Buffer.from(body.data, 'base64');
  const bad = (message: string) =>
    invalidBodyField('data', { path: ['data'], code: 'invalid_image', message });
  if (bytes.length === 0 || bytes.length > LOGO_MAX_BYTES) throw bad(`at most ${LOGO_MAX_BYTES} bytes`);
  const real = sniffImage(bytes);
  if (!real) throw bad('not a PNG, JPEG or WebP image');
  if (real !== body.content_type) throw bad(`the bytes are ${real}, not ${body.content_type}`);
  return { bytes, type: real };
}

/**
 * The agency's brand as others see it, logo included: the branding page's preview, and the signed-in
 * dashboard's top bar for every role (what the agency's login page shows anyway).
 */
function registerOwnBrand(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'get /v1/agency/brand',
      summary: "The agency's brand as its login page and share links show it (the logo inline)",
      tags: ['agency'],
      roles: ANY_ROLE,
      responses: { 200: ['The brand', brandSchema] },
    },
    async ({ auth }) => brandOf(d, auth.agencyId),
  );
}

function registerBrand(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'get /v1/agency/branding',
      summary: "The agency's brand on share links and emails",
      ...adminRoute,
      responses: { 200: ['The branding', brandingSchema] },
    },
    async ({ auth }) => toBranding((await d.pool.query<Row>(sql.findBranding, [auth.agencyId])).rows[0]),
  );

  t.define(
    {
      route: 'patch /v1/agency/branding',
      summary:
        'Change the brand: display name, primary colour, "Powered by Beacon" (data credits such as DB-IP stay), dashboard hostname',
      ...adminRoute,
      body: changesOf(
        {
          display_name: z.string().trim().min(1).max(100).nullable(),
          primary_color: z
            .string()
            .trim()
            .toLowerCase()
            .regex(/^#[0-9a-f]{6}$/, 'a colour such as #1d4ed8')
            .nullable(),
          hide_powered_by: z.boolean(),
          hostname: hostnameField.nullable().optional().meta({
            description:
              'dashboard hostname of the agency, e.g. analytics.agency.example (its DNS points at Beacon); unique across agencies (409); null removes it',
          }),
        },
        'BrandingUpdate',
      ),
      responses: { 200: ['The branding', brandingSchema] },
    },
    async ({ auth, body }) => {
      checkHostname(d, body.hostname);
      const { rows } = await d.pool
        .query<Row>(sql.upsertBranding, [
          auth.agencyId,
          body.display_name ?? null,
          body.display_name !== undefined,
          body.primary_color ?? null,
          body.primary_color !== undefined,
          body.hide_powered_by ?? null,
          body.hostname ?? null,
          body.hostname !== undefined,
        ])
        .catch((err: unknown) => {
          throw conflictOnUnique(err, 'another agency has this dashboard hostname');
        });
      recordAdminAction(
        d,
        auth,
        'branding.update',
        body.hostname !== undefined ? { hostname: body.hostname } : {},
      );
      return toBranding(rows[0]);
    },
  );
}

function registerLogo(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'put /v1/agency/branding/logo',
      summary: 'Upload the logo (PNG, JPEG or WebP, at most 64 KB, base64 in JSON; checked by its bytes)',
      ...adminRoute,
      body: z
        .object({
          content_type: z.enum(LOGO_TYPES),
          data: z
            .string()
            .min(8)
            .max(Math.ceil(LOGO_MAX_BYTES / 3) * 4 + 4),
        })
        .strict()
        .meta({ id: 'LogoUpload' }),
      responses: { 200: ['The branding', brandingSchema] },
    },
    async ({ auth, body }) => {
      const { bytes, type } = checkedLogo(body);
      await d.pool.query(sql.setLogo, [auth.agencyId, bytes, type]);
      recordAdminAction(d, auth, 'branding.logo', { bytes: bytes.length, type });
      return toBranding((await d.pool.query<Row>(sql.findBranding, [auth.agencyId])).rows[0]);
    },
  );

  t.define(
    {
      route: 'delete /v1/agency/branding/logo',
      summary: 'Remove the logo',
      ...adminRoute,
      responses: { 204: 'Removed' },
    },
    async ({ auth }) => {
      await d.pool.query(sql.setLogo, [auth.agencyId, null, null]);
      recordAdminAction(d, auth, 'branding.logo_remove', {});
      return undefined;
    },
  );
}
