import { stringify, type CastingContext } from 'csv-stringify/sync';

/**
 * CSV text of exported rows, by csv-stringify (RFC 4180, CRLF records) with a cast that keeps
 * spreadsheets from running visitor-supplied text as formulas (CSV injection, OWASP):
 *
 * - Columns PostgreSQL types as numbers (int, bigint, numeric, float) are written as they are:
 *   `-74.006` stays a number. pg hands numeric as text, so the type comes from the result's field OIDs.
 * - A text cell that is just a decimal number (`-5`, `3.25`) is a number to a spreadsheet, not a formula.
 * - Any other text cell gets an apostrophe before a formula trigger (= + - @, their full-width forms,
 *   or a leading tab/CR) at its start AND after any separator a spreadsheet might split on (, ; tab |
 *   and line breaks), optionally after spaces or quotes: `ok;=1+2;@SUM(1)` becomes `ok;'=1+2;'@SUM(1)`,
 *   so a semicolon-locale spreadsheet opening the comma-separated file sees text in every piece.
 * - Cells holding ; tab or | are quoted as well as those holding , " or a line break.
 */

/** pg type OIDs exported as numbers: int2, int4, int8, oid, float4, float8, numeric. */
const NUMERIC_OIDS = new Set([21, 23, 20, 26, 700, 701, 1700]);

const TRIGGER = '=+\\-@\\uFF1D\\uFF0B\\uFF0D\\uFF20';
const FORMULA_START = new RegExp(`(^|[,;\\t|\\r\\n])([ \\t\\r\\n"']*)(?=[${TRIGGER}])`, 'g');
const LEADING_CONTROL = /^[\t\r]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/** A text cell made inert for spreadsheets (see above). Exported for tests. */
export function neutralizeFormulas(s: string): string {
  if (PLAIN_NUMBER.test(s)) return s;
  const out = s.replace(FORMULA_START, "$1$2'");
  return LEADING_CONTROL.test(out) ? `'${out}` : out;
}

export interface CsvField {
  name: string;
  dataTypeID: number;
}

/**
 * csv-stringify options of every Beacon CSV: CRLF records, the cast doing the escaping (csv-stringify's
 * own escape_formulas looks at the first character only), ; tab | quoted. `text` casts string cells.
 */
function csvOptions(text: (v: string, ctx: CastingContext) => string) {
  return {
    record_delimiter: 'windows' as const,
    eof: true,
    escape_formulas: false,
    quoted_match: /[;\t|]/,
    cast: {
      string: text,
      number: (v: number) => String(v),
      bigint: (v: bigint) => String(v),
      boolean: (v: boolean) => (v ? 'true' : 'false'),
      date: (v: Date) => v.toISOString(),
      object: (v: object) => neutralizeFormulas(JSON.stringify(v)),
    },
  };
}

/** A formatter for rows of one result: header line, then batches of rows (arrays in field order). */
export function csvFormatter(fields: readonly CsvField[]) {
  const numeric = fields.map((f) => NUMERIC_OIDS.has(f.dataTypeID));
  const options = csvOptions((v, ctx) => (!ctx.header && numeric[ctx.index] ? v : neutralizeFormulas(v)));
  return {
    header: () => stringify([fields.map((f) => f.name)], options),
    rows: (rows: readonly unknown[][]) => (rows.length ? stringify(rows as unknown[][], options) : ''),
  };
}

const LINE_OPTIONS = csvOptions((v) => neutralizeFormulas(v));

/**
 * One CSV line of plain JS values whose column types are not known from a result (the privacy export
 * reads rows of several tables): numbers and bigints stay numbers, every string and JSON value gets the
 * same formula neutralisation and quoting as the exports above. Null and undefined are empty cells.
 */
export function csvLine(values: readonly unknown[]): string {
  return stringify([values.map((v) => (v === undefined ? null : v))], LINE_OPTIONS);
}
