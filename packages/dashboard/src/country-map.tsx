// The Locations panel's world map: one SVG path per country (Natural Earth, public domain; generated
// by scripts/world-map.mjs), shaded by its share of the visitors. No map library: the shapes are a
// JSON file loaded with this module, which the overview loads lazily (not in the first load).
import { useQuery } from '@tanstack/react-query';
import { get } from './api';
import { countryName, fmtInt } from './format';
import { addFilter, statsQuery, type View } from './state';
import type { Breakdown, Site } from './types';
import map from './world-map.json';

const shapes = map.shapes as Record<string, string>;

export default function CountryMap({ site, view, ready }: { site: Site; view: View; ready: boolean }) {
  const q = statsQuery(view, { limit: 300 });
  const data = useQuery({
    queryKey: ['breakdown', site.id, 'countries', q],
    queryFn: () => get<Breakdown>(`/v1/sites/${site.id}/stats/breakdown/countries?${q}`),
    enabled: ready,
  });
  const visitors = new Map<string, number>();
  for (const r of data.data?.items ?? []) if (r.value) visitors.set(r.value.toUpperCase(), r.visitors);
  const max = Math.max(1, ...visitors.values());
  return (
    <figure className="country-map">
      <svg viewBox={map.viewBox} role="img" aria-label={`Visitors by country: ${visitors.size} countries`}>
        {Object.entries(shapes).map(([code, d]) => {
          const n = visitors.get(code) ?? 0;
          // Square root: one big country should not leave all the others blank.
          const share = n ? 0.15 + 0.85 * Math.sqrt(n / max) : 0;
          return (
            <path
              key={code}
              d={d}
              data-country={code}
              className={n ? 'has-visitors' : undefined}
              fillOpacity={n ? share : undefined}
              onClick={n ? () => addFilter('country', code) : undefined}
            >
              <title>{`${countryName(code)}: ${fmtInt(n)} visitor${n === 1 ? '' : 's'}`}</title>
            </path>
          );
        })}
      </svg>
    </figure>
  );
}
