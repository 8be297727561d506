import { randomInt } from 'node:crypto';
import { adminSql, type Pool } from '@beacon/db';
import { renderSnippet, type SnippetCollector } from '@beacon/schema';
import { hashPassword, newApiKey, newScriptId } from '../secrets.js';
import * as demoSql from '../sql/demo.js';

/** Fixed identities of the demo, so a second `beacon start` finds what the first one made. */
export const DEMO = {
  agencyName: 'Demo agency',
  agencyEmail: 'demo@beacon.localhost',
  siteName: 'Demo site',
  siteDomain: 'localhost',
  adminEmail: 'admin@beacon.localhost',
  /** The demo shop's prices, its history's purchases and the site's revenue currency (sites.config). */
  currency: 'EUR',
} as const;

// pg_advisory_xact_lock key: 'bdem'.
const DEMO_LOCK_KEY = 0x6264_656d;

export interface DemoData {
  /** What this run created; all false on a second run. */
  created: { agency: boolean; site: boolean; user: boolean };
  agency: { id: string; name: string; email: string };
  site: { id: string; name: string; domain: string; script_id: string };
  login: { email: string };
  /** Only when this run created the user: shown once, only its bcrypt hash is stored. */
  password?: string;
  /** Only when this run created the agency: the agency's API key, shown once. */
  apiKey?: string;
  snippet: string;
}

export interface DemoOptions {
  /** config.collector (COLLECTOR_PUBLIC_URL, COLLECTOR_SCRIPT_PATH): where the browser fetches the tracker. */
  collector: SnippetCollector;
  /** Hosts the demo page is served from, for the site's allowed_origins. */
  origins?: readonly string[];
}

/** A 16-character password without look-alike characters (shown once to a person). */
export function newPassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  let s = '';
  for (let i = 0; i < 16; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

/**
 * Creates the demo agency, its site for domain localhost and an admin user, each only if missing
 * (looked up by their fixed email and domain), in one transaction under an advisory lock, so two
 * concurrent runs and a re-run create nothing twice. Other agencies in the database are left alone.
 */
export async function ensureDemoData(pool: Pool, opts: DemoOptions): Promise<DemoData> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(demoSql.lock, [DEMO_LOCK_KEY]);
    const created = { agency: false, site: false, user: false };
    let apiKey: string | undefined;
    let password: string | undefined;

    let agency = (await client.query<DemoData['agency']>(adminSql.findAgency, [DEMO.agencyEmail])).rows[0];
    if (!agency) {
      const key = await newApiKey();
      agency = (
        await client.query<DemoData['agency']>(adminSql.insertAgency, [
          DEMO.agencyName,
          DEMO.agencyEmail,
          key.hash,
          key.prefix,
          null,
        ])
      ).rows[0]!;
      apiKey = key.key;
      created.agency = true;
    }

    let site = (await client.query<DemoData['site']>(demoSql.findSite, [agency.id, DEMO.siteDomain])).rows[0];
    if (!site) {
      const config = {
        allowed_origins: [...new Set(opts.origins ?? ['localhost', '127.0.0.1'])],
        currency: DEMO.currency,
      };
      site = (
        await client.query<DemoData['site']>(adminSql.insertSite, [
          agency.id,
          DEMO.siteName,
          DEMO.siteDomain,
          newScriptId(),
          JSON.stringify(config),
          null,
        ])
      ).rows[0]!;
      created.site = true;
    }

    const user = (await client.query(demoSql.findUser, [DEMO.adminEmail])).rows[0];
    if (!user) {
      password = newPassword();
      await client.query(adminSql.insertUser, [
        agency.id,
        DEMO.adminEmail,
        await hashPassword(password),
        'admin',
        'Demo',
        'Admin',
        null,
        null,
      ]);
      created.user = true;
    }
    await client.query('COMMIT');
    return {
      created,
      agency: { id: agency.id, name: agency.name, email: agency.email },
      site: { id: site.id, name: site.name, domain: site.domain, script_id: site.script_id },
      login: { email: DEMO.adminEmail },
      ...(password ? { password } : {}),
      ...(apiKey ? { apiKey } : {}),
      snippet: renderSnippet(site.script_id, opts.collector),
    };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
