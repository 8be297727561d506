/**
 * Text hygiene shared by every stage that accepts outside text: removes NUL and the other C0/C1
 * control characters (tab, newline and carriage return are kept only where asked) and replaces lone
 * UTF-16 surrogates, which PostgreSQL would refuse as invalid UTF-8.
 */
const CONTROL_ALL = /[\u0000-\u001f\u007f-\u009f]/g;
const CONTROL_KEEP_WS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function cleanText(value: string, opts: { keepWhitespace?: boolean } = {}): string {
  return value
    .replace(opts.keepWhitespace ? CONTROL_KEEP_WS : CONTROL_ALL, '')
    .replace(LONE_SURROGATE, '\ufffd');
}

/** Cuts to `max` characters without leaving half a surrogate pair. */
export function cutText(value: string, max: number): string {
  if (value.length <= max) return value;
  let out = value.slice(0, max);
  const last = out.charCodeAt(out.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) out = out.slice(0, -1);
  return out;
}
