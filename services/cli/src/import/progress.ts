import type { PlausibleSummary } from './plausible/import.js';
import type { ImportProgress } from './run.js';

/**
 * Progress and summary lines of the importers (progress on stderr while running, the summary on stdout
 * at the end). `tty`: the line is redrawn in place on a terminal, with a bar; elsewhere (a log, CI) it is
 * a plain line with the percentage.
 */

const n = (x: number) => x.toLocaleString('en');
/** "1 row", "2 rows". */
export const count = (x: number, noun: string) => `${n(x)} ${noun}${x === 1 ? '' : 's'}`;

/** `[#######.............]  35%`: a bar of `width` cells for a share 0..1. */
export function bar(fraction: number, width = 24): string {
  const f = Math.min(1, Math.max(0, fraction));
  const full = Math.round(f * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${percent(f).padStart(4)}`;
}

const percent = (fraction: number) => `${Math.floor(Math.min(1, fraction) * 100)}%`;

/** The bar on a terminal, the percentage elsewhere, nothing when the share is not known. */
const share = (fraction: number | undefined, tty: boolean) =>
  fraction === undefined ? '' : tty ? `${bar(fraction)} ` : `${percent(fraction)} `;

/** The events importers' line: rows read, imported, already there, rate. */
export function eventsLine(s: ImportProgress): string {
  return (
    `${count(s.lines, 'row')} read, ${n(s.inserted)} imported, ${n(s.already)} already there, ` +
    `${n(Math.round(s.lines / Math.max(s.seconds, 0.001)))} rows/s`
  );
}

export function eventsProgress(s: ImportProgress, tty: boolean): string {
  return `${share(s.fraction, tty)}${eventsLine(s)}`;
}

export function plausibleProgress(s: PlausibleSummary, tty: boolean): string {
  if (s.phase === 'reading') return `reading: ${count(s.lines, 'row')} of ${count(s.files, 'file')}`;
  const f = s.daysToWrite > 0 ? s.written / s.daysToWrite : 1;
  return `${share(f, tty)}${n(s.written)} of ${count(s.daysToWrite, 'day')} written`;
}

/** One `  key: value` line per entry; numbers as "3 rows" when `noun` is given. */
export const list = (entries: [string, string | number][], noun?: string) =>
  entries.map(([k, v]) => `  ${k}: ${typeof v === 'number' ? (noun ? count(v, noun) : n(v)) : v}`).join('\n');

/** What a Plausible import did, and what it could not map. */
export function plausibleSummary(s: PlausibleSummary): string {
  const lines = [
    `${count(s.lines, 'row')} of ${count(s.files, 'file')} read, days ${s.first ?? '-'}..${s.last ?? '-'} (${s.timezone}): ` +
      `${count(s.written, 'day')} imported (${n(s.replaced)} replaced an earlier import), ${n(s.unchanged)} already imported, ` +
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
  lines.push(fields.length ? `columns not mapped:\n${list(fields, 'row')}` : 'every column was mapped');
  return lines.join('\n');
}
