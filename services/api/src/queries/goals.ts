import { countedEvent } from '@beacon/db';
import type { Params } from './params.js';

/**
 * Goals as SQL conditions (table: migrations/0080_goals.sql; definitions: docs/conversions.md).
 * A goal is matched at query time, on raw events (alias of `events`) or on rollup_names rows (kind 1
 * = page views by page_path, kind 2 = other events by event_name). Both give the same events, so
 * the two answers agree; what rollup_names cannot see (a property condition, a value read from the
 * event) is answered from events only.
 */

export const GOAL_KINDS = [
  'page',
  'event',
  'form_submit',
  'file_download',
  'outbound_link',
  'lead',
  'purchase',
] as const;
export type GoalKind = (typeof GOAL_KINDS)[number];

/** The event each built-in kind stands for: what the tracker's extras file sends (docs/tracker.md). */
export const BUILTIN_EVENTS: Record<Exclude<GoalKind, 'page' | 'event'>, string> = {
  form_submit: 'form_submit',
  file_download: 'file_download',
  outbound_link: 'outbound_click',
  lead: 'generate_lead',
  purchase: 'purchase',
};

/** A goal as the queries need it (a goals row). */
export interface GoalDef {
  id: string;
  name: string;
  kind: GoalKind;
  page_pattern: string | null;
  page_regex: string | null;
  event_name: string | null;
  property_key: string | null;
  property_value: string | null;
  value_mode: 'none' | 'fixed' | 'event';
  value_amount: string | number | null;
  value_key: string | null;
}

/** A goal with every optional part empty (an event goal without property or value), then `over`. */
export const goalDef = (over: Partial<GoalDef> & Pick<GoalDef, 'id' | 'name'>): GoalDef => ({
  kind: 'event',
  page_pattern: null,
  page_regex: null,
  event_name: null,
  property_key: null,
  property_value: null,
  value_mode: 'none',
  value_amount: null,
  value_key: null,
  ...over,
});

/**
 * A page pattern as an anchored PostgreSQL (and JS) regular expression: `**` any characters
 * (any depth, slashes included), `*` any characters but `/` (one path segment, possibly empty),
 * everything else literal.
 */
export function pagePatternRegex(pattern: string): string {
  let out = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      out += '.*';
      i++;
    } else if (c === '*') out += '[^/]*';
    else out += /[.^$|?+()[\]{}\\-]/.test(c) ? `\\${c}` : c;
  }
  return `${out}$`;
}

/**
 * The literal text every path matching `regex` (made by pagePatternRegex) starts with: its characters
 * up to the first wildcard ('' when there is none, or for another regex).
 */
export function literalPrefix(regex: string): string {
  if (!regex.startsWith('^')) return '';
  let out = '';
  for (let i = 1; i < regex.length; i++) {
    const c = regex[i]!;
    if (c === '\\' && /[.^$|?+()[\]{}\\-]/.test(regex[i + 1] ?? '')) out += regex[++i];
    else if (!/[.^$|?+*()[\]{}\\]/.test(c)) out += c;
    else break;
  }
  return out;
}

/**
 * `column` matches page regex `regex` (NULL for a NULL column). A cheap starts_with on the regex's
 * literal prefix runs first: most paths fail it, and the regular expression runs only on the others.
 */
export function pathMatchSql(p: Params, regex: string | null, column: string): string {
  const re = `${column} ~ ${p.add(regex)}`;
  const prefix = regex === null ? '' : literalPrefix(regex);
  return prefix.length > 1 ? `(starts_with(${column}, ${p.add(prefix)}::text) AND ${re})` : re;
}

/** Whether rollup_names answer this goal exactly (no property condition, no value read from events). */
export function goalOnRollups(g: GoalDef): boolean {
  return g.property_key === null && g.value_mode !== 'event';
}

/** Condition on an events alias: the event is a conversion of `g`. */
export function goalEventSql(p: Params, g: GoalDef, alias: string): string {
  if (g.kind === 'page')
    return `(${alias}.event_name = 'page_view' AND ${pathMatchSql(p, g.page_regex, `${alias}.page_path`)})`;
  // Internal events (engagement, identify) are never conversions: rollup_names does not keep them.
  const parts = [`${alias}.event_name = ${p.add(g.event_name)}`, countedEvent(alias)];
  if (g.property_key !== null)
    parts.push(`${alias}.properties ->> ${p.add(g.property_key)}::text = ${p.add(g.property_value)}::text`);
  return `(${parts.join(' AND ')})`;
}

/**
 * Condition on an alias with kind and name: rollup_names, or the names dictionary rollup_name_dict
 * (only for goalOnRollups goals).
 */
export function goalRollupSql(p: Params, g: GoalDef, alias: string): string {
  if (!goalOnRollups(g)) throw new Error('goal needs raw events');
  if (g.kind === 'page') return `(${alias}.kind = 1 AND ${pathMatchSql(p, g.page_regex, `${alias}.name`)})`;
  return `(${alias}.kind = 2 AND ${alias}.name = ${p.add(g.event_name)}::text)`;
}

/**
 * FROM items: the rollup_names rows (alias `alias`) of site `site` whose name goal `g` matches, read
 * through rollup_names_by_name. An event goal names its row key itself (name_key is
 * hashtextextended(row(name)::text, 0), as the writer computes it, and the names' identity in
 * rollup_names' primary key), so the planner estimates its rows from the column's statistics: a
 * dictionary join estimated a frequent event at one row and chose a nested loop over the range. A page goal's pattern is matched on the
 * site's names dictionary (migrations/0190, alias `<alias>_d`), once per distinct name.
 */
export function goalNamesFrom(p: Params, g: GoalDef, alias: string, site: string): string {
  if (g.kind !== 'page') {
    if (!goalOnRollups(g)) throw new Error('goal needs raw events');
    const name = `${p.add(g.event_name)}::text`;
    return `rollup_names ${alias} JOIN (VALUES (2::smallint)) ${alias}_k(kind)
      ON ${alias}.kind = ${alias}_k.kind AND ${alias}.name_key = hashtextextended(row(${name})::text, 0)`;
  }
  const d = `${alias}_d`;
  return `rollup_name_dict ${d} JOIN rollup_names ${alias}
      ON ${alias}.site_id = ${d}.site_id AND ${alias}.kind = ${d}.kind AND ${alias}.name_key = ${d}.name_key
     AND ${d}.site_id = ${site} AND ${goalRollupSql(p, g, d)}`;
}

/** A JSON text as a number, or NULL when it is not one (never an error on a visitor's text). */
export const numericOf = (text: string) =>
  `(CASE WHEN ${text} ~ '^\\s*-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]{1,3})?\\s*$' THEN (${text})::numeric END)`;

/** The value of one conversion event of `g` (raw events), as numeric SQL; NULL when none. */
export function goalValueSql(p: Params, g: GoalDef, alias: string): string {
  if (g.value_mode === 'fixed') return `${p.add(String(g.value_amount))}::numeric`;
  if (g.value_mode === 'event') {
    const k = `${p.add(g.value_key)}::text`;
    return `coalesce(${numericOf(`${alias}.properties ->> ${k}`)}, ${numericOf(`${alias}.ecommerce_data ->> ${k}`)}, ${numericOf(`${alias}.lead_data ->> ${k}`)})`;
  }
  return 'NULL::numeric';
}
