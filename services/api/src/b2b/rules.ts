/** Whether a company's committed activity makes an alert rule fire (docs/company-alerts.md). */

export interface AlertRule {
  id: string;
  site_id: string;
  name: string;
  visitor: 'new' | 'returning' | 'any';
  intent_page: boolean;
  min_score: number | null;
  fit_industries: string[];
  fit_sizes: string[];
  fit_countries: string[];
  cooldown_h: number;
  endpoint_ids: string[];
}

export interface ActivityFacts {
  /** The company had an event on the site over 30 minutes before this activity (an earlier visit). */
  returning: boolean;
  /** This activity viewed a page matching the site's high-intent patterns. */
  intent_page: boolean;
  score: number;
  industry: string | null;
  employee_count: string | null;
  country: string | null;
}

const matches = (v: string | null, list: readonly string[]) =>
  list.length === 0 || (v !== null && list.some((x) => x.trim().toLowerCase() === v.trim().toLowerCase()));

/** Every condition the rule sets must hold; an empty fit list does not filter. */
export function ruleFires(r: AlertRule, a: ActivityFacts): boolean {
  if (r.visitor === 'new' && a.returning) return false;
  if (r.visitor === 'returning' && !a.returning) return false;
  if (r.intent_page && !a.intent_page) return false;
  if (r.min_score !== null && a.score < r.min_score) return false;
  return (
    matches(a.industry, r.fit_industries) &&
    matches(a.employee_count, r.fit_sizes) &&
    matches(a.country, r.fit_countries)
  );
}

/**
 * The cooldown window holding a time: a fixed grid of cooldown_h hours from the epoch. Derived from
 * the committed activity's last event (not the clock), so whoever processes the same rows, whenever,
 * names the same window: the unique (rule, domain, window_start) key lets only one alert in.
 */
export function cooldownWindow(at: Date, cooldownH: number): Date {
  const size = cooldownH * 3_600_000;
  return new Date(Math.floor(at.getTime() / size) * size);
}
