import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import {
  createErasure,
  EXPORT_TABLES,
  findSubject,
  getErasure,
  normalizeSubject,
  privacySql,
  resumeErasures,
  runErasure,
  subjectKinds,
  writeSubjectExport,
  SubjectError,
  type ErasureOptions,
  type ErasureRow,
  type ExportTable,
  type Subject,
} from '@beacon/db';
import { connectRedis, deleteDedupeMarkers, QUEUE_HITS, queuePrefixFor } from '@beacon/queue';
import { cliAudit } from '../audit.js';
import { UserError, type CliContext } from '../context.js';
import { commandGroup } from './group.js';
import { AGENCY_OPTION, agencyCommand, resolveAgency, withAgency } from './agency.js';
import { intArg, limitOption } from '../validate.js';

/**
 * `beacon privacy find|export|erase|resume|status`: data subject rights from the command line (the
 * same modules as the API's /v1/privacy routes; docs/privacy-rights.md). Every find, export and
 * erasure is written to the agency's audit log.
 */
interface SubjectOpts {
  clientId?: string;
  userId?: string;
  emailHash?: string;
  phoneHash?: string;
  ip?: string;
}

function withSubject(cmd: Command): Command {
  return cmd
    .option(AGENCY_OPTION[0], `${AGENCY_OPTION[1]}; its sites are searched`)
    .option('--client-id <id>', "the tracker's client_id (cookie)")
    .option('--user-id <id>', 'the user_id a site sent')
    .option('--email-hash <hash>', 'the email_hash a site sent')
    .option('--phone-hash <hash>', 'the phone_hash a site sent')
    .option('--ip <address>', 'an IP address as stored (truncated IPs as 1.2.3.0)');
}

function subjectOf(o: SubjectOpts): Subject {
  try {
    return normalizeSubject({
      client_id: o.clientId,
      user_id: o.userId,
      email_hash: o.emailHash,
      phone_hash: o.phoneHash,
      ip: o.ip,
    });
  } catch (err) {
    if (err instanceof SubjectError)
      throw new UserError(
        err.message.replace(
          /\b(client_id|user_id|email_hash|phone_hash|ip)\b/g,
          (m) => `--${m.replace('_', '-')}`,
        ),
      );
    throw err;
  }
}

function describe(r: ErasureRow): string {
  const counts = Object.entries(r.counts ?? {})
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return `erasure ${r.id}: ${r.state} (phase ${r.phase}, pass ${r.passes + 1})${counts ? `: ${counts}` : ''}${r.error ? `\n  error: ${r.error}` : ''}`;
}

/** What --json prints of a request: never the identifiers or the salt. */
function publicErasure(r: ErasureRow) {
  const { subject: _s, salt: _k, ...rest } = r;
  return rest;
}

/** How an erasure runs from the CLI: batch size, pause, and the Redis dedupe markers it deletes. */
function erasureOptions(c: CliContext, o: { batch?: number; pauseMs?: number }, redisOn: boolean) {
  const cfg = c.config();
  const redis = redisOn ? connectRedis(cfg.core, 'producer') : null;
  const prefix = queuePrefixFor(cfg.core, QUEUE_HITS);
  const opts: ErasureOptions = {
    batchSize: o.batch ?? cfg.dataRights.eraseBatch,
    sliceHours: cfg.dataRights.eraseSliceHours,
    dedupeTtlSeconds: cfg.enricher.dedupeTtlSeconds,
    deleteDedupeMarkers: redis ? (pairs) => deleteDedupeMarkers(redis, prefix, pairs) : null,
    pauseMs: o.pauseMs,
    log: (m) => (c.json ? undefined : console.error(m)),
  };
  return { opts, close: () => redis?.disconnect() };
}

/** `beacon privacy find`: counts of what the agency holds about one person. */
function registerFind(privacy: Command, ctx: () => CliContext): void {
  withSubject(
    privacy.command('find').description('count the events, sessions and dead letters of one person'),
  ).action(async (o: SubjectOpts & { agency?: string }) => {
    const c = ctx();
    const agency = await resolveAgency(c, o.agency);
    const subject = subjectOf(o);
    const s = await findSubject(c.pool(), agency.id, subject);
    await cliAudit(c, agency.id, 'privacy.find', undefined, {
      identifiers: subjectKinds(subject),
      events: s.events,
    });
    c.out(
      `${s.events} event(s)${s.first_event_at ? ` from ${s.first_event_at.toISOString()} to ${s.last_event_at!.toISOString()}` : ''} in ${s.event_sessions} session(s), ${s.sessions} session row(s), ${s.dead_events} dead letter(s)`,
      s,
    );
  });
}

/** `beacon privacy export`: every stored row about one person (db writeSubjectExport, as the API). */
function registerExport(privacy: Command, ctx: () => CliContext): void {
  withSubject(
    privacy
      .command('export')
      .description('write every stored row about one person: JSON (all tables) or CSV (one table)'),
  )
    .option(
      '--format <format>',
      'json or csv',
      (v) => {
        if (v !== 'json' && v !== 'csv') throw new UserError('--format must be json or csv');
        return v;
      },
      'json',
    )
    .option('--table <table>', `csv only: ${EXPORT_TABLES.join(', ')}`, (v) => {
      if (!(EXPORT_TABLES as readonly string[]).includes(v))
        throw new UserError(`--table must be one of ${EXPORT_TABLES.join(', ')}`);
      return v;
    })
    .option('--out <file>', 'write to this file instead of stdout')
    .action(
      async (
        o: SubjectOpts & { agency?: string; format: 'json' | 'csv'; table?: ExportTable; out?: string },
      ) => {
        const c = ctx();
        const agency = await resolveAgency(c, o.agency);
        const subject = subjectOf(o);
        const table = o.table ?? 'events';
        await cliAudit(c, agency.id, 'privacy.export', undefined, {
          identifiers: subjectKinds(subject),
          format: o.format,
          ...(o.format === 'csv' ? { table } : {}),
        });
        const out: Writable = o.out ? createWriteStream(o.out, { mode: 0o600 }) : process.stdout;
        const counts = await writeSubjectExport(c.pool(), out, agency.id, subject, {
          format: o.format,
          table,
          sliceHours: c.config().dataRights.eraseSliceHours,
        });
        if (o.out) {
          out.end();
          await once(out, 'finish');
          c.out(
            `wrote ${counts.events} event(s), ${counts.sessions} session(s), ${counts.dead_events} dead letter(s) to ${o.out}`,
            counts,
          );
        }
      },
    );
}

/** `beacon privacy erase`: records an erasure and, unless --no-wait, runs it to its end. */
function registerErase(privacy: Command, ctx: () => CliContext): void {
  withSubject(
    privacy
      .command('erase')
      .description(
        'erase everything about one person (bounded batches; resumable with `beacon privacy resume`)',
      ),
  )
    .option('--batch <n>', 'rows per statement (default PRIVACY_ERASE_BATCH)', intArg('--batch', 1, 100_000))
    .option(
      '--pause-ms <n>',
      'pause between batches, to go easy on a busy database',
      intArg('--pause-ms', 0, 60_000),
    )
    .option('--no-wait', 'only record the request (the API or `beacon privacy resume` runs it)')
    .option('--no-redis', 'do not delete Redis dedupe markers (counted as dedupe_skipped)')
    .action(
      async (
        o: SubjectOpts & { agency?: string; batch?: number; pauseMs?: number; wait: boolean; redis: boolean },
      ) => {
        const c = ctx();
        const agency = await resolveAgency(c, o.agency);
        const subject = subjectOf(o);
        const row = await createErasure(
          c.pool(),
          agency.id,
          subject,
          'cli',
          c.config().dataRights.eraseSettleMinutes * 60,
        );
        await cliAudit(
          c,
          agency.id,
          'privacy.erase',
          { type: 'erasure', id: row.id },
          { identifiers: row.subject_kinds },
        );
        if (!o.wait) {
          c.out(`erasure ${row.id} recorded (pending)`, publicErasure(row));
          return;
        }
        if (!c.json) console.error(`erasure ${row.id} started`);
        const { opts, close } = erasureOptions(c, o, o.redis);
        try {
          const done = await runErasure(c.pool(), row.id, opts);
          const r = done ?? (await getErasure(c.pool(), row.id))!;
          c.out(describe(r), publicErasure(r));
        } finally {
          close();
        }
      },
    );
}

/** `beacon privacy resume`: finishes every unfinished erasure (after a crash). */
function registerResume(privacy: Command, ctx: () => CliContext): void {
  privacy
    .command('resume')
    .description(
      'run every unfinished erasure request to its end (after a crash); skips those running elsewhere',
    )
    .option('--agency <id|email>', 'only this agency')
    .option('--batch <n>', 'rows per statement (default PRIVACY_ERASE_BATCH)', intArg('--batch', 1, 100_000))
    .option('--pause-ms <n>', 'pause between batches', intArg('--pause-ms', 0, 60_000))
    .option('--no-redis', 'do not delete Redis dedupe markers')
    .action(async (o: { agency?: string; batch?: number; pauseMs?: number; redis: boolean }) => {
      const c = ctx();
      const agencyId = o.agency ? (await resolveAgency(c, o.agency)).id : undefined;
      const { opts, close } = erasureOptions(c, o, o.redis);
      try {
        const done = await resumeErasures(c.pool(), { ...opts, agencyId });
        c.out(
          done.length ? done.map(describe).join('\n') : 'no unfinished erasure request',
          done.map(publicErasure),
        );
      } finally {
        close();
      }
    });
}

/** `beacon privacy status`: an agency's erasure requests. */
function registerStatus(privacy: Command, ctx: () => CliContext): void {
  agencyCommand(privacy, 'status', "an agency's erasure requests, newest first (or one with --id)")
    .option('--id <uuid>', 'only this request')
    .option(...limitOption('requests to show', 1000, 20))
    .action(
      withAgency(ctx, async (c, agency, o: { agency?: string; id?: string; limit: number }) => {
        let rows: ErasureRow[];
        if (o.id) {
          if (!/^[0-9a-f-]{36}$/i.test(o.id)) throw new UserError('--id must be a UUID');
          rows = (await c.pool().query<ErasureRow>(privacySql.erasureOfAgency, [agency.id, o.id])).rows;
          if (!rows[0]) throw new UserError(`no erasure request ${o.id} in this agency`);
        } else
          rows = (await c.pool().query<ErasureRow>(privacySql.listErasures, [agency.id, null, null, o.limit]))
            .rows;
        c.out(rows.length ? rows.map(describe).join('\n') : 'no erasure request', rows.map(publicErasure));
      }),
    );
}

export const registerPrivacy = commandGroup(
  'privacy',
  "data subject rights: find, export and erase one person's data within an agency",
  [registerFind, registerExport, registerErase, registerResume, registerStatus],
);
