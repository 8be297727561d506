/** A plain text table for list commands: a header, then one line per row, columns padded. */
export function table(
  head: readonly string[],
  rows: readonly (readonly (string | number | boolean | null)[])[],
  empty: string,
): string {
  if (rows.length === 0) return empty;
  const cells = [head, ...rows.map((r) => r.map((v) => (v === null ? '' : String(v))))];
  const widths = head.map((_h, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells
    .map((r) =>
      r
        .map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
