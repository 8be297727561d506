import { z } from 'zod';
import { WRITERS } from '../auth/types.js';
import type { ApiDeps } from '../deps.js';
import { ConflictError, NotFoundError } from '../http/errors.js';
import { siteIdParam } from '../http/validate.js';
import type { RouteTable } from '../openapi/route-table.js';
import { goalsOfSite, segmentFiltersSchema, type SegmentFilters } from '../queries/saved.js';
import * as sql from '../sql/segments.js';
import { iso } from './schemas.js';

/**
 * Segments (docs/conversions.md): named filter sets of a site, shared with every user of the agency.
 * Admins and users save them, every role reads them; `segment=<id>` applies one to any stats route,
 * the CSV export and funnels.
 */
const tags = ['segments'];
const site = '/v1/sites/:siteId';

const segmentBody = z
  .object({ name: z.string().trim().min(1).max(120), filters: segmentFiltersSchema })
  .strict()
  .meta({ id: 'SegmentInput' });

const segmentSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    filters: segmentFiltersSchema,
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Segment' });

interface SegmentRow {
  id: string;
  name: string;
  filters: SegmentFilters;
  created_at: Date;
  updated_at: Date;
}
const toSegment = (r: SegmentRow): z.infer<typeof segmentSchema> => ({
  id: r.id,
  name: r.name,
  filters: r.filters,
  created_at: iso(r.created_at)!,
  updated_at: iso(r.updated_at)!,
});
const conflict = (err: unknown) =>
  (err as { code?: string }).code === '23505'
    ? new ConflictError('the site has a segment of that name')
    : err;
const segmentParams = z.object({ siteId: siteIdParam, segmentId: z.uuid() });

export function registerSegmentRoutes(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      method: 'get',
      path: `${site}/segments`,
      summary: "The site's saved segments (shared by the agency's users)",
      tags,
      responses: {
        200: { description: 'Segments by name', schema: z.object({ items: z.array(segmentSchema) }) },
      },
    },
    async ({ site }) => ({
      items: (await d.pool.query<SegmentRow>(sql.listSegments, [site.scriptId])).rows.map(toSegment),
    }),
  );
  t.define(
    {
      method: 'post',
      path: `${site}/segments`,
      summary: 'Save a segment',
      tags,
      roles: WRITERS,
      request: { body: segmentBody },
      responses: {
        201: { description: 'The segment', schema: segmentSchema },
        409: { description: 'Name taken' },
      },
    },
    async ({ site, body, auth }) => {
      await goalsOfSite(d.pool, site.scriptId, body.filters.goal ?? []);
      try {
        const { rows } = await d.pool.query<SegmentRow>(sql.insertSegment, [
          site.scriptId,
          body.name,
          JSON.stringify(body.filters),
          auth.userId,
        ]);
        return toSegment(rows[0]!);
      } catch (err) {
        throw conflict(err);
      }
    },
  );
  t.define(
    {
      method: 'get',
      path: `${site}/segments/:segmentId`,
      summary: 'One segment',
      tags,
      request: { params: segmentParams },
      responses: { 200: { description: 'The segment', schema: segmentSchema } },
    },
    async ({ site, params }) => {
      const { rows } = await d.pool.query<SegmentRow>(sql.findSegment, [site.scriptId, params.segmentId]);
      if (!rows[0]) throw new NotFoundError('segment');
      return toSegment(rows[0]);
    },
  );
  t.define(
    {
      method: 'put',
      path: `${site}/segments/:segmentId`,
      summary: 'Change a segment (name and filters)',
      tags,
      roles: WRITERS,
      request: { params: segmentParams, body: segmentBody },
      responses: {
        200: { description: 'The segment', schema: segmentSchema },
        409: { description: 'Name taken' },
      },
    },
    async ({ site, params, body }) => {
      await goalsOfSite(d.pool, site.scriptId, body.filters.goal ?? []);
      try {
        const { rows } = await d.pool.query<SegmentRow>(sql.updateSegment, [
          site.scriptId,
          params.segmentId,
          body.name,
          JSON.stringify(body.filters),
        ]);
        if (!rows[0]) throw new NotFoundError('segment');
        return toSegment(rows[0]);
      } catch (err) {
        throw conflict(err);
      }
    },
  );
  t.define(
    {
      method: 'delete',
      path: `${site}/segments/:segmentId`,
      summary: 'Delete a segment',
      tags,
      roles: WRITERS,
      request: { params: segmentParams },
      responses: { 204: { description: 'Deleted' } },
    },
    async ({ site, params }) => {
      const { rowCount } = await d.pool.query(sql.deleteSegment, [site.scriptId, params.segmentId]);
      if (!rowCount) throw new NotFoundError('segment');
      return undefined;
    },
  );
}
