import { z } from 'zod';

/**
 * Queue payloads. Jobs carry batches, never single hits: one Redis round trip per hit would cap the
 * pipeline. Each payload is a discriminated union member on `type` with a version `v`, parsed again by
 * its consumer.
 */

export const QUEUE_HITS = 'hits';
export const QUEUE_EVENTS = 'events';

/** Client-hint request headers the collector forwards (lower-case names). */
export const CLIENT_HINT_HEADERS = [
  'sec-ch-ua',
  'sec-ch-ua-mobile',
  'sec-ch-ua-platform',
  'sec-ch-ua-platform-version',
  'sec-ch-ua-model',
  'sec-ch-ua-full-version-list',
  'sec-ch-ua-arch',
  'sec-ch-ua-bitness',
] as const;

/** A hit as the collector stamped it: the validated wire fields plus its id and receipt time. */
export const rawHitSchema = z
  .object({
    /** UUIDv7 assigned once at receipt; the events primary key. */
    id: z.uuid(),
    /** ISO 8601 receipt time (UTC). */
    server_timestamp: z.iso.datetime({ offset: true }),
    event_name: z.string().min(1).max(100),
  })
  .catchall(z.unknown());
export type RawHit = z.infer<typeof rawHitSchema>;

/** The hits of one HTTP request with what only the server knows about that request. */
export const rawRequestSchema = z.object({
  /** sites.script_id */
  site_id: z.string().min(1).max(50),
  /** Client IP through trusted proxies only; null when unknown. */
  ip: z.string().max(45).nullable(),
  user_agent: z.string().nullable(),
  client_hints: z.record(z.string(), z.string()),
  /** Origin or Referer host of the request, when the browser sent one. */
  origin: z.string().nullable().optional(),
  hits: z.array(rawHitSchema).min(1),
});
export type RawRequest = z.infer<typeof rawRequestSchema>;

/** Queue `hits`: one collector micro-batch (hits of one or more requests). */
export const rawJobSchema = z.object({
  type: z.literal('raw'),
  v: z.literal(1),
  requests: z.array(rawRequestSchema).min(1),
});
export type RawJob = z.infer<typeof rawJobSchema>;

/**
 * Queue `events`: rows ready for the events table, every column named (see EVENT_COLUMNS); timestamps
 * as ISO strings, jsonb columns as JSON values. `companies` carries the firms identified in these rows
 * for the writer's upsert.
 */
export const enrichedJobSchema = z.object({
  type: z.literal('events'),
  v: z.literal(1),
  rows: z.array(z.record(z.string(), z.unknown())).min(1),
  companies: z
    .array(
      z.object({
        domain: z.string().min(1).max(255),
        name: z.string().max(255).nullable(),
        industry: z.string().max(100).nullable(),
        employee_count: z.string().max(50).nullable(),
        revenue: z.string().max(50).nullable(),
        enrichment_data: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .optional(),
});
export type EnrichedJob = z.infer<typeof enrichedJobSchema>;
