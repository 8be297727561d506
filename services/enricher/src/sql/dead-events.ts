/**
 * Dead letters of the enricher: hits enrichment could not handle (stage 'enricher').
 * In:  $1 uuid[] event ids, $2 text[] site_ids, $3 jsonb[] payloads ({request, hit}), $4 text[] errors.
 * Out: nothing. A hit seen again (its job retried) bumps count/last_seen_at and keeps one row;
 *      a row already replayed is reopened (replayed_at cleared) since it failed again.
 */
export const upsertDeadEvents = `
INSERT INTO dead_events (id, site_id, stage, payload, error)
SELECT d.id, d.site_id, 'enricher', d.payload, d.error
FROM unnest($1::uuid[], $2::text[], $3::jsonb[], $4::text[]) AS d(id, site_id, payload, error)
ON CONFLICT (id) DO UPDATE
  SET error = EXCLUDED.error, stage = EXCLUDED.stage, payload = EXCLUDED.payload,
      last_seen_at = now(), count = dead_events.count + 1, replayed_at = NULL`;
