/**
 * The lead score of a company on a site (docs/lead-score.md holds the same formula in words): 0-100,
 * the sum of engagement (0-40), intent (0-35) and fit (0-25). Each input is capped ("saturates") so one
 * very busy visitor cannot outweigh everything else, and every part is returned so the dashboard can
 * show why a company scores what it does.
 */

/** What the events of the last SCORE_WINDOW_DAYS say about a company on a site. */
export interface ScoreFacts {
  sessions: number;
  page_views: number;
  /** Summed time on page, seconds. */
  seconds: number;
  /** Distinct UTC days with a visit. */
  active_days: number;
  last_seen: Date;
  /** Page views of pages the admin marked as high-intent. */
  intent_views: number;
  /** Conversions of the goals the admin marked as intent. */
  goal_conversions: number;
  industry: string | null;
  employee_count: string | null;
  country: string | null;
}

/** Fit rules an admin sets per site (empty list: that criterion gives no points). */
export interface FitRules {
  industries: readonly string[];
  sizes: readonly string[];
  countries: readonly string[];
}

export const SCORE_WINDOW_DAYS = 90;
/** Days after the last visit at which the recency part reaches 0. */
export const RECENCY_DAYS = 30;

/** Maximum points of each input; the sums are the parts' maxima (40, 35, 25). */
export const WEIGHTS = {
  sessions: 12, // saturates at 10 sessions
  page_views: 10, // at 30 page views
  time: 8, // at 30 minutes
  returning: 4, // at 5 distinct days
  recency: 6, // 6 today, linearly 0 at 30 days
  intent_pages: 20, // at 3 intent page views
  goals: 15, // at 2 conversions
  industry: 10,
  size: 8,
  country: 7,
} as const;

const SATURATION = {
  sessions: 10,
  page_views: 30,
  seconds: 1800,
  extra_days: 4,
  recency_days: RECENCY_DAYS,
  intent: 3,
  goals: 2,
};

export interface ScoreParts {
  sessions: number;
  page_views: number;
  time: number;
  returning: number;
  recency: number;
  intent_pages: number;
  goals: number;
  industry: number;
  size: number;
  country: number;
}

export interface LeadScore {
  score: number;
  engagement: number;
  intent: number;
  fit: number;
  parts: ScoreParts;
}

const ratio = (v: number, cap: number) => Math.max(0, Math.min(1, v / cap));
const round1 = (v: number) => Math.round(v * 10) / 10;
const inList = (v: string | null, list: readonly string[], norm: (s: string) => string) =>
  v !== null && list.some((x) => norm(x) === norm(v));

export function leadScore(f: ScoreFacts, fit: FitRules, now: Date): LeadScore {
  const ageDays = Math.max(0, (now.getTime() - f.last_seen.getTime()) / 86_400_000);
  const parts: ScoreParts = {
    sessions: round1(WEIGHTS.sessions * ratio(f.sessions, SATURATION.sessions)),
    page_views: round1(WEIGHTS.page_views * ratio(f.page_views, SATURATION.page_views)),
    time: round1(WEIGHTS.time * ratio(f.seconds, SATURATION.seconds)),
    returning: round1(WEIGHTS.returning * ratio(f.active_days - 1, SATURATION.extra_days)),
    recency: round1(WEIGHTS.recency * (1 - ratio(ageDays, SATURATION.recency_days))),
    intent_pages: round1(WEIGHTS.intent_pages * ratio(f.intent_views, SATURATION.intent)),
    goals: round1(WEIGHTS.goals * ratio(f.goal_conversions, SATURATION.goals)),
    industry: inList(f.industry, fit.industries, (s) => s.trim().toLowerCase()) ? WEIGHTS.industry : 0,
    size: inList(f.employee_count, fit.sizes, (s) => s.trim().toLowerCase()) ? WEIGHTS.size : 0,
    country: inList(f.country, fit.countries, (s) => s.trim().toUpperCase()) ? WEIGHTS.country : 0,
  };
  const engagement = parts.sessions + parts.page_views + parts.time + parts.returning + parts.recency;
  const intent = parts.intent_pages + parts.goals;
  const fitPoints = parts.industry + parts.size + parts.country;
  return {
    score: Math.round(engagement + intent + fitPoints),
    engagement: Math.round(engagement),
    intent: Math.round(intent),
    fit: Math.round(fitPoints),
    parts,
  };
}
