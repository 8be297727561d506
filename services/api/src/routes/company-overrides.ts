import { z } from 'zod';
import { WRITERS } from '../auth/types.js';
import type { ApiDeps } from '../deps.js';
import { NotFoundError } from '../http/errors.js';
import type { RouteTable } from '../openapi/route-table.js';
import * as sql from '../sql/company-overrides.js';
import { isoStamps, stamps } from './schemas.js';

/**
 * The caller's agency's overrides of company identification (issue #16, migration 0120): "this is an
 * ISP / not a company", a name, an industry, a size. They change only this agency's views (companies
 * list, business visitors, company detail of its sites); another agency's view of the same domain
 * never changes. Every statement names the caller's agency: the tenant wall is in the SQL.
 */
const tags = ['companies'];

// The same normalisation the enricher applies to company_domain (lower case, no www., no trailing dot).
const domain = z
  .string()
  .trim()
  .toLowerCase()
  .max(255)
  .transform((d) => d.replace(/^www\./, '').replace(/\.$/, ''))
  .pipe(z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'a domain like acme.example'));

const overrideSchema = z
  .object({
    domain: z.string(),
    not_company: z.boolean(),
    name: z.string().nullable(),
    industry: z.string().nullable(),
    employee_count: z.string().nullable(),
    merge_into: z.string().nullable(),
    ...stamps,
  })
  .meta({ id: 'CompanyOverride' });

const putBody = z
  .object({
    domain,
    not_company: z.boolean().default(false),
    name: z.string().trim().min(1).max(255).nullable().default(null),
    industry: z.string().trim().min(1).max(100).nullable().default(null),
    employee_count: z.string().trim().min(1).max(50).nullable().default(null),
    merge_into: domain.nullable().default(null),
  })
  .strict()
  .refine((b) => b.merge_into !== b.domain, {
    message: 'a domain cannot merge into itself',
    path: ['merge_into'],
  })
  .meta({ id: 'CompanyOverrideInput' });

interface Row {
  domain: string;
  not_company: boolean;
  name: string | null;
  industry: string | null;
  employee_count: string | null;
  merge_into: string | null;
  created_at: Date;
  updated_at: Date;
}
const toOverride = (r: Row) => ({ ...r, ...isoStamps(r) });

export function registerCompanyOverrideRoutes(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'get /v1/company-overrides',
      summary: "The agency's company overrides (not a company, name, industry, size)",
      tags,
      responses: { 200: ['Overrides by domain', z.object({ items: z.array(overrideSchema) })] },
    },
    async ({ auth }) => ({
      items: (await d.pool.query<Row>(sql.listOverrides, [auth.agencyId])).rows.map(toOverride),
    }),
  );
  t.define(
    {
      route: 'put /v1/company-overrides',
      summary: "Create or replace the agency's override of a company domain",
      description:
        '`not_company: true` leaves the domain out of the companies list and business visitors of the ' +
        "agency's sites (past events too); `name`, `industry`, `employee_count` replace the identified " +
        "ones in its views; `merge_into` counts this domain's visits as another domain's (one hop) in " +
        'the companies list and company detail. Other agencies are not affected.',
      tags,
      roles: WRITERS,
      body: putBody,
      responses: { 200: ['The override', overrideSchema] },
    },
    async ({ auth, body }) => {
      const { rows } = await d.pool.query<Row>(sql.upsertOverride, [
        auth.agencyId,
        body.domain,
        body.not_company,
        body.name,
        body.industry,
        body.employee_count,
        body.merge_into,
      ]);
      return toOverride(rows[0]!);
    },
  );
  t.define(
    {
      route: 'delete /v1/company-overrides',
      summary: "Remove the agency's override of a company domain",
      tags,
      roles: WRITERS,
      query: z.object({ domain }).strict(),
      responses: { 204: 'Removed', 404: 'No override of this domain' },
    },
    async ({ auth, query }) => {
      const { rowCount } = await d.pool.query(sql.deleteOverride, [auth.agencyId, query.domain]);
      if (!rowCount) throw new NotFoundError('company override');
      return undefined;
    },
  );
}
