import type { Command } from 'commander';
import { ingestTokenSql, newIngestToken, type IngestTokenRow } from '@beacon/db';
import { UserError, type CliContext } from '../context.js';

type TokenRow = IngestTokenRow;

async function siteOrFail(
  c: CliContext,
  ref: string,
): Promise<{ id: string; script_id: string; name: string }> {
  const { rows } = await c.pool().query(ingestTokenSql.findSiteByRef, [ref]);
  if (!rows[0]) throw new UserError(`no site has id or script_id ${ref}`);
  return rows[0];
}

const line = (t: TokenRow) =>
  `${t.id}  ${t.token_prefix}…  ${t.name || '-'}  created ${t.created_at.toISOString()}  ` +
  `last used ${t.last_used_at?.toISOString() ?? 'never'}${t.revoked_at ? `  REVOKED ${t.revoked_at.toISOString()}` : ''}`;

/** `beacon site token create|list|revoke`: the secrets of server-side events (docs/server-side.md). */
export function registerSiteToken(site: Command, ctx: () => CliContext): void {
  const token = site
    .command('token')
    .description('ingest tokens of a site: the secret of server-side events (POST /v1/events)');
  token
    .command('create')
    .description('create an ingest token; it is printed once, only its hash is stored')
    .requiredOption('--site <script_id|id>', 'the site')
    .option('--name <name>', 'what the token is for, e.g. "shop backend"', '')
    .action(async (opts: { site: string; name: string }) => {
      const c = ctx();
      if (opts.name.length > 100) throw new UserError('--name is at most 100 characters');
      const s = await siteOrFail(c, opts.site);
      const t = newIngestToken();
      const { rows } = await c
        .pool()
        .query<TokenRow>(ingestTokenSql.insertIngestToken, [s.id, opts.name, t.hash, t.prefix, null]);
      c.out(
        `ingest token ${rows[0]!.id} created for site ${s.script_id} (${s.name}).\n` +
          `Token (shown this once; store it as a secret):\n${t.token}\n` +
          `Send events: POST <collector>/v1/events with Authorization: Bearer <token> (docs/server-side.md)`,
        { ...rows[0], token: t.token, site_id: s.script_id },
      );
    });
  token
    .command('list')
    .description("a site's ingest tokens (never the tokens themselves)")
    .requiredOption('--site <script_id|id>', 'the site')
    .action(async (opts: { site: string }) => {
      const c = ctx();
      const s = await siteOrFail(c, opts.site);
      const { rows } = await c.pool().query<TokenRow>(ingestTokenSql.listIngestTokens, [s.id]);
      c.out(rows.length ? rows.map(line).join('\n') : `site ${s.script_id} has no ingest tokens`, rows);
    });
  token
    .command('revoke')
    .description('revoke an ingest token (the collector refuses it within INTAKE_TOKEN_CACHE_TTL_MS)')
    .requiredOption('--site <script_id|id>', 'the site')
    .argument('<token-id>', 'the id shown by create or list')
    .action(async (id: string, opts: { site: string }) => {
      const c = ctx();
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id))
        throw new UserError(`${id} is not a token id (a UUID, see beacon site token list)`);
      const s = await siteOrFail(c, opts.site);
      const { rows } = await c.pool().query<TokenRow>(ingestTokenSql.revokeIngestToken, [s.id, id]);
      if (!rows[0]) throw new UserError(`site ${s.script_id} has no ingest token ${id}`);
      c.out(`revoked: ${line(rows[0])}`, rows[0]);
    });
}
