import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import type { RouteTable } from '../openapi/route-table.js';
import { goalsOfSite, segmentFiltersSchema, type SegmentFilters } from '../queries/saved.js';
import * as sql from '../sql/segments.js';
import { isoStamps, stamps } from './schemas.js';
import { byScriptId, siteResource, type SiteCaller } from './site-resource.js';

/**
 * Segments (docs/conversions.md): named filter sets of a site, shared with every user of the agency.
 * Admins and users save them, every role reads them; `segment=<id>` applies one to any stats route,
 * the CSV export and funnels.
 */
const tags = ['segments'];

const segmentBody = z
  .object({ name: z.string().trim().min(1).max(120), filters: segmentFiltersSchema })
  .strict()
  .meta({ id: 'SegmentInput' });
type SegmentInput = z.infer<typeof segmentBody>;

const segmentSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    filters: segmentFiltersSchema,
    ...stamps,
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
  ...isoStamps(r),
});
export function registerSegmentRoutes(t: RouteTable, d: ApiDeps): void {
  const segments = siteResource<SegmentRow, typeof segmentSchema>(t, d, {
    noun: 'segment',
    tags,
    owner: byScriptId,
    item: segmentSchema,
    toItem: toSegment,
    uniqueName: 'the site has a segment of that name',
  });
  // A segment may name goals: they must be goals of the same site.
  const check = (b: SegmentInput, { site }: SiteCaller) =>
    goalsOfSite(d.pool, site.scriptId, b.filters.goal ?? []);
  const values = (b: SegmentInput) => [b.name, JSON.stringify(b.filters)];
  segments.list({
    summary: "The site's saved segments (shared by the agency's users)",
    answer: 'Segments by name',
    sql: sql.listSegments,
  });
  segments.create({
    summary: 'Save a segment',
    body: segmentBody,
    answer: 'The segment',
    sql: sql.insertSegment,
    values,
    check,
  });
  segments.get({ summary: 'One segment', answer: 'The segment', sql: sql.findSegment });
  segments.update({
    method: 'put',
    summary: 'Change a segment (name and filters)',
    body: segmentBody,
    answer: 'The segment',
    sql: sql.updateSegment,
    values,
    check,
  });
  segments.remove({ summary: 'Delete a segment', sql: sql.deleteSegment });
}
