/**
 * Browser language as a BCP 47 tag with the usual casing: "en-us" -> "en-US", "en_GB" -> "en-GB",
 * "zh-hant-tw" -> "zh-Hant-TW", "EN" -> "en". The first tag of an Accept-Language style list is used
 * ("de-DE,de;q=0.9" -> "de-DE"). Cut to 10 characters (events.language is VARCHAR(10)) at a subtag
 * boundary. Anything that is not a language tag ("*", "12", "x") gives null.
 */
export function normaliseLanguage(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  // A site sees a few dozen distinct values: remembered (bounded) instead of re-parsed on every hit.
  const known = memo.get(value);
  if (known !== undefined) return known;
  const tag = parseLanguage(value);
  if (memo.size >= MEMO_MAX) memo.clear();
  if (value.length <= 100) memo.set(value, tag);
  return tag;
}

const MEMO_MAX = 2_000;
const memo = new Map<string, string | null>();

function parseLanguage(value: string): string | null {
  const first = value.split(',', 1)[0]!.split(';', 1)[0]!.trim().replace(/_/g, '-');
  if (!/^[a-z]{2,3}(-[a-z0-9]{1,8})*$/i.test(first)) return null;
  const parts = first.split('-');
  const out: string[] = [parts[0]!.toLowerCase()];
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.length === 4 && /^[a-z]+$/i.test(p))
      out.push(p[0]!.toUpperCase() + p.slice(1).toLowerCase()); // script
    else if (p.length === 2 && /^[a-z]+$/i.test(p))
      out.push(p.toUpperCase()); // region
    else if (p.length === 3 && /^\d+$/.test(p))
      out.push(p); // UN M.49 region (es-419)
    else out.push(p.toLowerCase());
  }
  let tag = out[0]!;
  for (let i = 1; i < out.length; i++) {
    if (tag.length + 1 + out[i]!.length > 10) break;
    tag += `-${out[i]}`;
  }
  return tag;
}
