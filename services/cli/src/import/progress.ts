import type { PlausibleSummary } from './plausible/import.js';
import type { ImportSummary } from './run.js';

/** Progress and summary lines of the importers (stderr while running, stdout at the end). */

const n = (x: number) => x.toLocaleString('en');

/** `[#######.............]  35%`: a bar of `width` cells for done/total. */
export function bar(done: number, total: number, width = 24): string {
  const f = total > 0 ? Math.min(1, done / total) : 1;
  const full = Math.round(f * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${String(Math.floor(f * 100)).padStart(3)}%`;
}

/** The events importers' line: rows read, imported, already there, rate. */
export function eventsLine(s: ImportSummary): string {
  return (
    `${n(s.lines)} rows read, ${n(s.inserted)} imported, ${n(s.already)} already there, ` +
    `${n(Math.round(s.lines / Math.max(s.seconds, 0.001)))} rows/s`
  );
}

/** With a known total (the Umami database says how many events it has): a bar in front. */
export function eventsProgress(s: ImportSummary & { total?: number }): string {
  return s.total !== undefined ? `${bar(s.lines, s.total)} ${eventsLine(s)}` : eventsLine(s);
}

export function plausibleProgress(s: PlausibleSummary): string {
  if (s.phase === 'reading') return `reading: ${n(s.lines)} rows of ${s.files} files`;
  return `${bar(s.written, s.daysToWrite)} ${n(s.written)} of ${n(s.daysToWrite)} days written`;
}

const list = (entries: [string, string | number][], unit = '') =>
  entries.map(([k, v]) => `  ${k}: ${v}${unit}`).join('\n');

/** What a Plausible import did, and what it could not map. */
export function plausibleSummary(s: PlausibleSummary): string {
  const lines = [
    `${n(s.lines)} rows of ${s.files} files read, days ${s.first ?? '-'}..${s.last ?? '-'} (${s.timezone}): ` +
      `${n(s.written)} days imported (${n(s.replaced)} replaced an earlier import), ${n(s.unchanged)} already imported, ` +
      `in ${s.seconds.toFixed(1)} s`,
  ];
  if (s.overlapping.length)
    lines.push(`days skipped, the site has data of its own there: ${s.overlapping.length}`);
  if (s.current.length) lines.push(`days skipped, not over yet: ${s.current.join(', ')}`);
  const skipped = Object.entries(s.skipped);
  if (skipped.length) lines.push(`rows skipped:\n${list(skipped)}`);
  const files = Object.entries(s.unmappedFiles);
  if (files.length) lines.push(`files not imported:\n${list(files)}`);
  const fields = Object.entries(s.unmappedFields);
  lines.push(fields.length ? `columns not mapped:\n${list(fields, ' rows')}` : 'every column was mapped');
  return lines.join('\n');
}
