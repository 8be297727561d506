import { crc32, deflateSync } from 'node:zlib';
import bcrypt from 'bcryptjs';
import type { Pool } from '@beacon/db';
import { newEvent, type EventRow } from '@beacon/testkit';

/**
 * Data of the dashboard's browser test: an agency with an admin and a viewer, two sites ("Blog", with no
 * events, and "Shop"), and Shop's sessions spread over the 40 days before today (UTC) with referrers,
 * UTM campaigns, countries, devices and two companies. Also a plain-JS count of visitors to check the
 * numbers the dashboard shows without trusting the API's SQL.
 */
/** An event of the data set: every column it fills given, and always a client and a session. */
export interface SeedEvent extends Required<Omit<EventRow, 'region'>> {
  client_id: string;
  session_id: string;
}

const DAY = 86_400_000;
const PAGES = ['/', '/pricing', '/blog/launch', '/docs', '/signup'];
const REFS: [string | null, string][] = [
  ['google.com', 'organic_search'],
  [null, 'direct'],
  ['t.co', 'organic_social'],
  ['news.ycombinator.com', 'referral'],
];
const COUNTRIES: [string, string][] = [
  ['US', 'New York'],
  ['DE', 'Berlin'],
  ['FR', 'Paris'],
  ['GB', 'London'],
  ['US', 'Austin'],
];
const DEVICES: [string, string, string][] = [
  ['desktop', 'Chrome', 'Windows'],
  ['mobile', 'Mobile Safari', 'iOS'],
  ['desktop', 'Firefox', 'Linux'],
];
const COMPANIES = [
  { company_name: 'Acme Corp', company_domain: 'acme.example', company_industry: 'Manufacturing' },
  { company_name: 'Globex', company_domain: 'globex.example', company_industry: 'Software' },
];

/** UTC midnight of today minus `n` days, as ms. */
export function dayStart(n: number): number {
  const now = new Date();
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - n * DAY;
}

/** Sessions on days 1..40 before today (never today: realtime must start at zero). */
export function shopEvents(siteId: string): SeedEvent[] {
  const out: SeedEvent[] = [];
  for (let d = 1; d <= 40; d++) {
    const sessions = 2 + (d % 4);
    for (let i = 0; i < sessions; i++) {
      const k = d * 7 + i;
      const [referrer, channel] = REFS[k % REFS.length]!;
      const [country, city] = COUNTRIES[(d + i) % COUNTRIES.length]!;
      const [device, browser, os] = DEVICES[k % DEVICES.length]!;
      const company = k % 5 === 0 ? COMPANIES[0]! : k % 11 === 0 ? COMPANIES[1]! : null;
      const campaign = k % 3 === 0;
      const ctx = {
        site_id: siteId,
        client_id: `c${k % 37}`,
        session_id: `s${d}-${i}`,
        referrer_domain: referrer,
        channel: campaign ? 'paid_search' : channel,
        utm_source: campaign ? 'google' : null,
        utm_medium: campaign ? 'cpc' : null,
        utm_campaign: campaign ? (d % 2 ? 'spring_sale' : 'brand') : null,
        country,
        city,
        device_type: device,
        browser,
        os,
        company_name: company?.company_name ?? null,
        company_domain: company?.company_domain ?? null,
        company_industry: company?.company_industry ?? null,
        visitor_type: company ? 'business' : 'consumer',
      };
      const t0 = dayStart(d) + (8 + ((i * 3) % 12)) * 3_600_000;
      const views = 1 + (k % 3);
      for (let v = 0; v < views; v++) {
        const path = PAGES[(k + v) % PAGES.length]!;
        out.push({
          ...ctx,
          ...newEvent('page_view', t0 + v * 45_000, 'https://shop.example', path),
          page_title: `Shop ${path}`,
        });
      }
      if (k % 4 === 0)
        out.push({
          ...ctx,
          ...newEvent('signup', t0 + views * 45_000, 'https://shop.example', '/signup'),
          page_title: null,
        });
    }
  }
  return out;
}

/** Distinct visitors of the events on days [from..to] before today (to < from), matching `pred`. */
export function visitors(
  evs: SeedEvent[],
  daysAgoFrom: number,
  daysAgoTo: number,
  pred: (e: SeedEvent) => boolean = () => true,
): number {
  const lo = dayStart(daysAgoFrom);
  const hi = dayStart(daysAgoTo - 1);
  return new Set(
    evs
      .filter((e) => {
        const t = Date.parse(e.server_timestamp);
        return t >= lo && t < hi && pred(e);
      })
      .map((e) => e.client_id),
  ).size;
}

export async function seedAgency(pool: Pool) {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO agencies (name, email, api_key, api_key_prefix) VALUES ('Northwind Digital', 'ops@northwind.test', 'x', 'bk_00000000') RETURNING id`,
  );
  const agency = rows[0]!.id;
  const users = {
    admin: { email: 'admin@northwind.test', password: 'admin-password-1' },
    viewer: { email: 'viewer@northwind.test', password: 'viewer-password-1' },
  };
  for (const [role, u] of Object.entries(users))
    await pool.query(
      `INSERT INTO dashboard_users (agency_id, email, password_hash, role) VALUES ($1, $2, $3, $4)`,
      [agency, u.email, await bcrypt.hash(u.password, 4), role],
    );
  const site = async (name: string, scriptId: string) =>
    (
      await pool.query<{ id: string }>(
        `INSERT INTO sites (agency_id, name, domain, script_id, config) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [agency, name, `${name.toLowerCase()}.example`, scriptId, JSON.stringify({ timezone: 'UTC' })],
      )
    ).rows[0]!.id;
  const blog = await site('Blog', 'blog0001');
  const shop = await site('Shop', 'shop0001');
  await pool.query(
    `INSERT INTO companies (name, domain, industry, employee_count) VALUES ('Acme Corp', 'acme.example', 'Manufacturing', '1000-4999')`,
  );
  return { agency, users, blog, shop };
}

/** A solid square PNG (the agency's logo), made here: 8-bit RGB, one filter byte per row. */
export function squarePng(size: number, [r, g, b]: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([
    Buffer.from([0]),
    Buffer.from(Array.from({ length: size }, () => [r, g, b]).flat()),
  ]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(Array.from({ length: size }, () => row)))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
