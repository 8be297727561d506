import { UsageError } from './context.js';

/** commander argument parsers that reject bad values with a message naming the option (exit code 2). */
export function nonEmpty(flag: string, max: number) {
  return (v: string): string => {
    const t = v.trim();
    if (!t) throw new UsageError(`${flag} must not be empty`);
    if (t.length > max) throw new UsageError(`${flag} is longer than ${max} characters`);
    return t;
  };
}

export function emailArg(v: string): string {
  const t = v.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(t) || t.length > 255)
    throw new UsageError(`--email ${JSON.stringify(v)} is not an email address`);
  return t;
}

/** A bare host name: example.com, shop.example.co.uk (no scheme, path or port). */
export function domainArg(v: string): string {
  let t = v.trim().toLowerCase();
  t = t.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(t))
    throw new UsageError(`--domain ${JSON.stringify(v)} is not a domain name (like example.com)`);
  return t;
}

/** A whole number from `min` to `max` (an option's value: `--days 30`). */
export function intArg(flag: string, min: number, max: number) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max)
      throw new UsageError(`${flag} must be a whole number from ${min} to ${max}`);
    return Number(v);
  };
}

/** `--limit <n>`: how many rows a listing shows, from 1 to `max` (`fallback` when left out). */
export function limitOption(description: string, max: number, fallback: number) {
  return ['--limit <n>', description, intArg('--limit', 1, max), fallback] as const;
}
