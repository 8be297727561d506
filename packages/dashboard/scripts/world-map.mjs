// Regenerates src/world-map.json, the country shapes of the Locations map: Natural Earth's 1:110m
// countries (public domain) as packaged by world-atlas (ISC), in a Miller projection, one SVG path per
// ISO 3166-1 alpha-2 code (i18n-iso-countries, MIT, maps the numeric ids). Antarctica is left out.
// Run: node packages/dashboard/scripts/world-map.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import countries from 'i18n-iso-countries';

const require = createRequire(import.meta.url);
const topo = JSON.parse(readFileSync(require.resolve('world-atlas/countries-110m.json'), 'utf8'));
const { scale, translate } = topo.transform;

// Arcs: delta-encoded, quantized positions → longitude/latitude.
const arcs = topo.arcs.map((arc) => {
  let x = 0;
  let y = 0;
  return arc.map(([dx, dy]) => {
    x += dx;
    y += dy;
    return [x * scale[0] + translate[0], y * scale[1] + translate[1]];
  });
});

const DEG = 180 / Math.PI;
/** Miller cylindrical projection, in degrees-like units (x = longitude). */
const project = ([lon, lat]) => {
  const phi = Math.max(-85, Math.min(85, lat)) / DEG;
  return [lon, -DEG * 1.25 * Math.log(Math.tan(Math.PI / 4 + 0.4 * phi))];
};

const ring = (indices) => {
  const points = [];
  for (const i of indices) {
    const arc = i < 0 ? [...arcs[~i]].reverse() : arcs[i];
    points.push(...(points.length ? arc.slice(1) : arc));
  }
  const xy = points.map(project).map(([x, y]) => [Math.round(x * 10) / 10, Math.round(y * 10) / 10]);
  const out = [];
  for (const p of xy) {
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push(p);
  }
  return out.length < 3 ? '' : `M${out.map(([x, y]) => `${x},${y}`).join('L')}Z`;
};

const shapes = {};
for (const g of topo.objects.countries.geometries) {
  const code = g.id ? countries.numericToAlpha2(g.id) : undefined;
  if (!code || code === 'AQ') continue;
  const polygons = g.type === 'Polygon' ? [g.arcs] : g.type === 'MultiPolygon' ? g.arcs : [];
  const d = polygons.flatMap((rings) => rings.map(ring)).join('');
  if (d) shapes[code] = (shapes[code] ?? '') + d;
}
const target = new URL('../src/world-map.json', import.meta.url);
writeFileSync(
  target,
  `${JSON.stringify({ source: 'Natural Earth 1:110m (public domain), via world-atlas', viewBox: '-180 -118 360 190', shapes })}\n`,
);
console.log(`wrote ${Object.keys(shapes).length} countries, ${readFileSync(target).length} bytes`);
