import { resolveSaved } from './saved.js';
import type { StatsQuery } from './schemas.js';
import { webVitals as webVitalsSql, type VitalsBy } from './statements/vitals.js';
import { runStatement, scopeOf, type StatsDeps, type StatsSite } from './stats.js';
import type { VitalRow } from '../answers.js';

/** p75 per metric with the good / needs-improvement / poor split; overall or per page or device type. */
export async function webVitals(
  deps: StatsDeps,
  site: StatsSite,
  q: StatsQuery & { by?: VitalsBy | undefined; limit: number },
) {
  q = await resolveSaved(deps.pool, site, q);
  const s = scopeOf(site, q);
  const rows = await runStatement<VitalRow>(
    deps,
    'web_vitals',
    webVitalsSql(s, q.by ?? null, s.p.add(q.limit)),
    s.p.values,
  );
  return { by: q.by ?? null, items: rows };
}
