import { countedEvent } from '@beacon/db';
import { inHours, inRange, type Scope } from '../scope.js';

/**
 * Where a traffic statement counts from: raw events (`e`) or the hourly rollups (rollup_sessions `rs`).
 * Each source gives the four traffic counts its own way (definitions: docs/metrics.md, "Traffic
 * metrics"), so a statement written once over a source reads either, with the same numbers.
 */
export interface TrafficSource {
  /** The alias its columns are read through (rollup_sessions rows carry the events' column names). */
  alias: string;
  /** Table and alias, for FROM. */
  from: string;
  /** The WHERE body: the scope's site, range and filters. */
  where: (s: Scope) => string;
  /** The instant of a row: the event's, or the start of the rollup row's hour. */
  at: string;
  /** The four counts, as aggregates over the source's rows. */
  visitors: string;
  sessions: string;
  pageViews: string;
  events: string;
  /** First and last instant seen, as aggregates. */
  firstSeen: string;
  lastSeen: string;
}

export const EVENTS: TrafficSource = {
  alias: 'e',
  from: 'events e',
  where: inRange,
  at: 'e.server_timestamp',
  visitors: 'count(DISTINCT e.client_id)',
  sessions: 'count(DISTINCT e.session_id)',
  pageViews: "count(*) FILTER (WHERE e.event_name = 'page_view')",
  events: `count(*) FILTER (WHERE ${countedEvent()})`,
  firstSeen: 'min(e.server_timestamp)',
  lastSeen: 'max(e.server_timestamp)',
};

/** Keys are 0 where the event had no id: left out of the distinct counts. */
export const ROLLUP_SESSIONS: TrafficSource = {
  alias: 'rs',
  from: 'rollup_sessions rs',
  where: (s) => inHours(s),
  at: 'rs.hour',
  visitors: '(count(DISTINCT rs.visitor_key) FILTER (WHERE rs.visitor_key <> 0))',
  sessions: '(count(DISTINCT rs.session_key) FILTER (WHERE rs.session_key <> 0))',
  pageViews: 'sum(rs.page_views)',
  events: 'sum(rs.events)',
  firstSeen: 'min(rs.first_at)',
  lastSeen: 'max(rs.last_at)',
};

/**
 * The four counts as columns visitors, sessions, page_views, events: each with `cast` (e.g. '::int'),
 * one a line, lines after the first indented by `indent`.
 */
export const countColumns = (src: TrafficSource, cast: string, indent: string): string =>
  [
    `${src.visitors}${cast} AS visitors`,
    `${src.sessions}${cast} AS sessions`,
    `${src.pageViews}${cast} AS page_views`,
    `${src.events}${cast} AS events`,
  ].join(`,\n${indent}`);
