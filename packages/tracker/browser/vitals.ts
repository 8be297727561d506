/**
 * Beacon browser tracker, web vitals file (dist/beacon-vitals.js): a third, optional file, loaded by
 * its own <script> tag after the core snippet (see docs/tracker.md). Measures LCP, INP, CLS, FCP and
 * TTFB with Google's web-vitals library (Apache-2.0, see NOTICE) and sends them as ONE `web_vitals`
 * event per page load when the page is hidden, with the core's exit send (the rest of the outbox).
 * Values: milliseconds, CLS as the unitless score; a metric the browser never reported is left out.
 */
import { onCLS, onFCP, onINP, onLCP, onTTFB, type Metric } from 'web-vitals';

const w = window;
// Through window.beacon at send time: the core's function, or its one-line stub when the core has not
// loaded yet (the core replays the stub's calls in order).
const call = (...a: unknown[]) =>
  (w.beacon ||= Object.assign((...x: unknown[]) => void w.beacon.q.push(x), { q: [] }) as never)(
    ...(a as [string]),
  );
const values: Record<string, number> = {};
let sent = false;
const keep = (m: Metric) => {
  values[m.name.toLowerCase()] = m.name == 'CLS' ? Math.round(m.value * 1e4) / 1e4 : Math.round(m.value);
};
// reportAllChanges: the latest value is known whenever the page is hidden (the library reports its
// final CLS and INP on the same visibilitychange, from listeners added here, before ours below).
for (const on of [onLCP, onINP, onCLS, onFCP, onTTFB]) on(keep, { reportAllChanges: true });
const send = () => {
  if (sent || !Object.keys(values).length) return;
  sent = true;
  call('track', 'web_vitals', values);
  call('flush', 1);
};
// Bubbling listeners, added after the library's: its last reports come first.
document.addEventListener('visibilitychange', () => document.visibilityState == 'hidden' && send());
addEventListener('pagehide', send);
