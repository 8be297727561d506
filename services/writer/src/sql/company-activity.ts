/**
 * The transactional outbox of company activity (migration 0150, docs/company-alerts.md): one row per
 * site and company of the rows a batch transaction inserted, in that same transaction. A rolled-back
 * batch leaves none; a re-delivered job inserts no row twice, so it adds no activity twice.
 *
 * $1 site_id[], $2 domain[], $3 events int[], $4 page_paths (JSON array of text arrays), $5 first_at[],
 * $6 last_at[] (one entry per site and company).
 */
export const insertActivity = `
INSERT INTO company_activity_outbox (site_id, domain, events, page_paths, first_at, last_at)
SELECT k.site_id, k.domain, k.events,
       ARRAY(SELECT jsonb_array_elements_text(k.paths)), k.first_at, k.last_at
FROM unnest($1::text[], $2::text[], $3::int[], $5::timestamptz[], $6::timestamptz[])
       WITH ORDINALITY AS k0(site_id, domain, events, first_at, last_at, i)
CROSS JOIN LATERAL (SELECT k0.*, ($4::jsonb -> (k0.i::int - 1)) AS paths) k`;
