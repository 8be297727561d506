/**
 * engagement_score: 0-100 with 2 decimals (events.engagement_score DECIMAL(5,2)), from what the tracker
 * measured on the page. One formula, documented in docs/metrics.md:
 *
 *   time      40 × min(time_on_page, 300 s) / 300        reading up to five minutes
 *   scroll    25 × min(scroll_depth, 100) / 100          how far down the page
 *   clicks    10 × min(clicks, 5) / 5                    interaction
 *   forms     15 if form_submits ≥ 1                     the strongest intent signal
 *   video      5 if video_plays ≥ 1
 *   download   5 if file_downloads ≥ 1
 *
 * Negative or non-numeric inputs count as 0. When the hit carries none of the six measurements (e.g.
 * a page_view sent at load, before anything was measured) the score is NULL, not 0: unknown is not
 * "not engaged".
 */
export const ENGAGEMENT_WEIGHTS = {
  time: 40,
  scroll: 25,
  clicks: 10,
  forms: 15,
  video: 5,
  download: 5,
} as const;
export const ENGAGEMENT_CAPS = { timeSeconds: 300, scrollPercent: 100, clicks: 5 } as const;

export interface EngagementInput {
  time_on_page?: unknown;
  scroll_depth?: unknown;
  clicks?: unknown;
  form_submits?: unknown;
  video_plays?: unknown;
  file_downloads?: unknown;
}

function num(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isFinite(n)) return null;
  return n < 0 ? 0 : n;
}

export function engagementScore(input: EngagementInput): number | null {
  const t = num(input.time_on_page);
  const s = num(input.scroll_depth);
  const c = num(input.clicks);
  const f = num(input.form_submits);
  const v = num(input.video_plays);
  const d = num(input.file_downloads);
  if (t === null && s === null && c === null && f === null && v === null && d === null) return null;
  const w = ENGAGEMENT_WEIGHTS;
  const score =
    (w.time * Math.min(t ?? 0, ENGAGEMENT_CAPS.timeSeconds)) / ENGAGEMENT_CAPS.timeSeconds +
    (w.scroll * Math.min(s ?? 0, ENGAGEMENT_CAPS.scrollPercent)) / ENGAGEMENT_CAPS.scrollPercent +
    (w.clicks * Math.min(c ?? 0, ENGAGEMENT_CAPS.clicks)) / ENGAGEMENT_CAPS.clicks +
    ((f ?? 0) >= 1 ? w.forms : 0) +
    ((v ?? 0) >= 1 ? w.video : 0) +
    ((d ?? 0) >= 1 ? w.download : 0);
  return Math.round(Math.min(100, score) * 100) / 100;
}
