import { createRegistry, serviceMetrics } from '@beacon/observability';
import { dispatchOnce } from '../../src/b2b/dispatcher.js';
import { leadScore, type FitRules, type ScoreFacts } from '../../src/b2b/score.js';
import { recomputeDecayed } from '../../src/b2b/score-decay.js';
import { call } from '../helpers.js';
import { useTwoAgencies } from '../fixtures/use-api.js';
import { storeVisit } from './visits.js';

// The lead score (docs/lead-score.md) against a plain-JS reference written from the document, on
// hand-made facts; then the same formula end to end: events stored, the dispatcher computes the
// score, the companies list sorts and filters by it, the company's score route shows parts and history.

/** The document's formula, written again without sharing code with src/b2b/score.ts. */
function reference(f: ScoreFacts, fit: FitRules, now: Date) {
  const cap = (v: number, max: number) => Math.min(Math.max(v / max, 0), 1);
  const age = (now.getTime() - f.last_seen.getTime()) / 86_400_000;
  const engagement =
    12 * cap(f.sessions, 10) +
    10 * cap(f.page_views, 30) +
    8 * cap(f.seconds, 1800) +
    4 * cap(f.active_days - 1, 4) +
    6 * Math.max(0, 1 - Math.max(0, age) / 30);
  const intent = 20 * cap(f.intent_views, 3) + 15 * cap(f.goal_conversions, 2);
  const has = (v: string | null, l: readonly string[]) =>
    v !== null && l.map((x) => x.toLowerCase()).includes(v.toLowerCase());
  const fitPts =
    (has(f.industry, fit.industries) ? 10 : 0) +
    (has(f.employee_count, fit.sizes) ? 8 : 0) +
    (has(f.country, fit.countries) ? 7 : 0);
  return { engagement, intent, fit: fitPts, total: engagement + intent + fitPts };
}

const NOW = new Date('2026-03-10T12:00:00Z');
const base: ScoreFacts = {
  sessions: 0,
  page_views: 0,
  seconds: 0,
  active_days: 1,
  last_seen: NOW,
  intent_views: 0,
  goal_conversions: 0,
  industry: null,
  employee_count: null,
  country: null,
};
const fit: FitRules = { industries: ['Software'], sizes: ['51-200'], countries: ['DE', 'AT'] };

test.each([
  ['a single page view today', { sessions: 1, page_views: 1, seconds: 20 }],
  [
    'a busy evaluator',
    { sessions: 6, page_views: 25, seconds: 1200, active_days: 3, intent_views: 2, goal_conversions: 1 },
  ],
  [
    'beyond every cap',
    { sessions: 40, page_views: 400, seconds: 99_999, active_days: 30, intent_views: 9, goal_conversions: 5 },
  ],
  [
    'a perfect fit, seen 10 days ago',
    {
      sessions: 2,
      page_views: 4,
      last_seen: new Date(NOW.getTime() - 10 * 86_400_000),
      industry: 'software',
      employee_count: '51-200',
      country: 'AT',
    },
  ],
  [
    'gone quiet for 45 days',
    { sessions: 3, page_views: 9, last_seen: new Date(NOW.getTime() - 45 * 86_400_000), country: 'FR' },
  ],
] as const)('formula: %s', (_name, over) => {
  const f = { ...base, ...over } as ScoreFacts;
  const got = leadScore(f, fit, NOW);
  const want = reference(f, fit, NOW);
  expect(got.score).toBeGreaterThanOrEqual(0);
  expect(got.score).toBeLessThanOrEqual(100);
  expect(Math.abs(got.score - want.total)).toBeLessThanOrEqual(0.5 + 0.05 * 10); // parts round to 0.1
  expect(Math.abs(got.engagement - want.engagement)).toBeLessThanOrEqual(1);
  expect(got.intent).toBe(Math.round(want.intent));
  expect(got.fit).toBe(want.fit);
  const sum = Object.values(got.parts).reduce((a, b) => a + b, 0);
  expect(got.score).toBe(Math.round(sum));
});

test('formula: the caps hold (100 at most) and an unset fit rule gives no points', () => {
  const max = leadScore(
    {
      ...base,
      sessions: 99,
      page_views: 999,
      seconds: 1e6,
      active_days: 99,
      intent_views: 99,
      goal_conversions: 99,
      industry: 'Software',
      employee_count: '51-200',
      country: 'DE',
    },
    fit,
    NOW,
  );
  expect(max).toMatchObject({ score: 100, engagement: 40, intent: 35, fit: 25 });
  expect(
    leadScore({ ...base, industry: 'Software' }, { industries: [], sizes: [], countries: [] }, NOW).fit,
  ).toBe(0);
});

describe('scores from stored visits', () => {
  const api = useTwoAgencies({
    env: {
      API_BACKGROUND_JOBS: 'true',
      ALERTS_DISPATCH_TICK_MS: '0',
      ALERTS_DELIVERY_CONCURRENCY: '0',
      LEAD_SCORE_DECAY_TICK_S: '0',
    },
  });

  test('the dispatcher scores each company as the reference does; list, filter, sort and history follow', async () => {
    const site = api.f.siteA.scriptId;
    const goal = await call(api.url, 'POST', `/v1/sites/${api.f.siteA.id}/goals`, {
      token: api.tok.admin,
      body: { name: 'Demo request', kind: 'event', event_name: 'demo_request' },
    });
    expect(goal.status).toBe(201);
    const put = await call(api.url, 'PUT', `/v1/sites/${api.f.siteA.id}/lead-score/settings`, {
      token: api.tok.admin,
      body: {
        intent_pages: ['/pricing', '/demo/**'],
        intent_goal_ids: [goal.body.id],
        fit_industries: ['Software'],
        fit_countries: ['de'],
      },
    });
    expect(put.status).toBe(200);
    expect(put.body.fit_countries).toEqual(['DE']);
    await api.pool.query(
      `INSERT INTO companies (domain, name, industry, employee_count) VALUES ('acme.example', 'Acme', 'software', '51-200')`,
    );
    const now = new Date();
    const dayAgo = new Date(now.getTime() - 86_400_000 - 60_000);
    // Acme: 2 sessions on 2 days, 5 page views (2 intent), 30 s each, one demo request.
    await storeVisit(api.pool, {
      site,
      domain: 'acme.example',
      name: 'Acme',
      paths: ['/', '/pricing'],
      at: dayAgo,
    });
    await storeVisit(api.pool, {
      site,
      domain: 'acme.example',
      name: 'Acme',
      paths: ['/blog', '/demo/book', '/about'],
      at: new Date(now.getTime() - 120_000),
      events: [{ name: 'demo_request' }],
    });
    // Globex: one page view, no fit.
    await storeVisit(api.pool, {
      site,
      domain: 'globex.example',
      name: 'Globex',
      country: 'US',
      paths: ['/'],
      at: new Date(now.getTime() - 60_000),
    });
    expect(await api.t.api.deps.alerts!.dispatch()).toBe(3);

    const { rows } = await api.pool.query(
      `SELECT domain, score, engagement, intent, fit, parts FROM company_scores WHERE site_id = $1 ORDER BY domain`,
      [site],
    );
    expect(rows.map((r) => r.domain)).toEqual(['acme.example', 'globex.example']);
    const acmeLast = new Date(now.getTime() - 120_000 + 3_000); // the demo_request event
    const wantAcme = reference(
      {
        ...base,
        sessions: 2,
        page_views: 5,
        seconds: 150,
        active_days: 2,
        last_seen: acmeLast,
        intent_views: 2,
        goal_conversions: 1,
        industry: 'software',
        employee_count: '51-200',
        country: 'DE',
      },
      { industries: ['software'], sizes: [], countries: ['DE'] },
      new Date(),
    );
    expect(Math.abs(rows[0].score - wantAcme.total)).toBeLessThanOrEqual(1);
    expect(rows[0]).toMatchObject({ intent: Math.round(wantAcme.intent), fit: 17 });
    expect(rows[0].parts.inputs).toEqual({
      sessions: 2,
      page_views: 5,
      seconds: 150,
      active_days: 2,
      intent_views: 2,
      goal_conversions: 1,
    });
    expect(rows[1].score).toBeLessThan(rows[0].score);

    const listed = await call(api.url, 'GET', `/v1/sites/${api.f.siteA.id}/companies?sort=score&order=desc`, {
      token: api.tok.admin,
    });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((i: { domain: string }) => i.domain)).toEqual([
      'acme.example',
      'globex.example',
    ]);
    expect(listed.body.items[0].score).toBe(rows[0].score);
    const asc = await call(api.url, 'GET', `/v1/sites/${api.f.siteA.id}/companies?sort=score&order=asc`, {
      token: api.tok.admin,
    });
    expect(asc.body.items[0].domain).toBe('globex.example');
    const filtered = await call(
      api.url,
      'GET',
      `/v1/sites/${api.f.siteA.id}/companies?min_score=${rows[0].score}`,
      { token: api.tok.admin },
    );
    expect(filtered.body.items.map((i: { domain: string }) => i.domain)).toEqual(['acme.example']);

    const detail = await call(api.url, 'GET', `/v1/sites/${api.f.siteA.id}/lead-scores/acme.example`, {
      token: api.tok.admin,
    });
    expect(detail.status).toBe(200);
    expect(detail.body.score.score).toBe(rows[0].score);
    expect(detail.body.history).toEqual([expect.objectContaining({ score: rows[0].score })]);
    // Another agency sees neither the site's scores nor its settings.
    expect(
      (
        await call(api.url, 'GET', `/v1/sites/${api.f.siteA.id}/lead-scores/acme.example`, {
          token: api.tok.adminB,
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await call(api.url, 'GET', `/v1/sites/${api.f.siteA.id}/lead-score/settings`, {
          token: api.tok.adminB,
        })
      ).status,
    ).toBe(404);

    // The companies CSV for sales tools carries the score and a dashboard link.
    const csv = await call(api.url, 'GET', `/v1/sites/${api.f.siteA.id}/export/companies`, {
      token: api.tok.admin,
    });
    expect(csv.status).toBe(200);
    const [header, first] = (csv.body as string).trim().split(/\r?\n/);
    expect(header).toBe(
      'domain,name,industry,employee_count,country,score,engagement,intent,fit,visitors,sessions,page_views,first_visit,last_visit,dashboard_url',
    );
    expect(first).toContain(`acme.example,Acme,software,51-200,DE,${rows[0].score},`);
    expect(first).toContain(`/sites/${api.f.siteA.id}/companies/acme.example`);
  });

  test('"not a company" of the agency: no score, and its activity is dropped', async () => {
    const put = await call(api.url, 'PUT', '/v1/company-overrides', {
      token: api.tok.admin,
      body: { domain: 'isp.example', not_company: true },
    });
    expect(put.status).toBe(200);
    await storeVisit(api.pool, {
      site: api.f.siteA.scriptId,
      domain: 'isp.example',
      paths: ['/'],
      at: new Date(),
    });
    expect(await api.t.api.deps.alerts!.dispatch()).toBe(1);
    const { rows } = await api.pool.query(
      `SELECT count(*)::int AS n FROM company_scores WHERE domain = 'isp.example'`,
    );
    expect(rows[0].n).toBe(0);
    const { rows: left } = await api.pool.query(`SELECT count(*)::int AS n FROM company_activity_outbox`);
    expect(left[0].n).toBe(0);
  });

  test('decay: companies that stopped visiting are recomputed once, with history, and fire no alert', async () => {
    const site = api.f.siteA.scriptId;
    const day = 86_400_000;
    const now = new Date();
    await api.pool.query(`SELECT * FROM beacon_ensure_event_partitions(now() - interval '5 months', 6)`);
    const rule = await call(api.url, 'POST', `/v1/sites/${api.f.siteA.id}/company-alert-rules`, {
      token: api.tok.admin,
      body: { name: 'Any score', min_score: 1, cooldown_h: 1 },
    });
    expect(rule.status).toBe(201);
    // Visits scored when they happened (the dispatcher's clock then): 40 days ago (three companies)
    // and 100 days ago (one, all of whose events have since left the 90-day window).
    const deps = {
      pool: api.pool,
      logger: api.t.api.deps.logger,
      metrics: serviceMetrics('api', createRegistry('api', { defaultMetrics: false })).alerts,
      dashboardUrl: 'http://localhost:3000',
    };
    const visit = async (domain: string, daysAgo: number) => {
      const at = new Date(now.getTime() - daysAgo * day);
      await storeVisit(api.pool, { site, domain, paths: ['/', '/pricing', '/team'], at });
      await dispatchOnce(deps, new Date(at.getTime() + 60_000));
    };
    for (const d of ['quiet1.example', 'quiet2.example', 'quiet3.example']) await visit(d, 40);
    await visit('gone.example', 100);
    const scores = async () =>
      new Map(
        (
          await api.pool.query(
            `SELECT domain, score, engagement, parts, computed_at, last_seen FROM company_scores WHERE site_id = $1`,
            [site],
          )
        ).rows.map((r) => [r.domain as string, r]),
      );
    const before = await scores();
    expect(before.get('quiet1.example').parts.recency).toBeGreaterThan(5.9);
    const alertsBefore = (await api.pool.query(`SELECT count(*)::int AS n FROM company_alerts`)).rows[0].n;
    expect(alertsBefore).toBe(4); // each first visit fired the rule then

    // Two replicas' passes at the same time: each due score is written by exactly one of them.
    const [r1, r2] = await Promise.all([recomputeDecayed(api.pool, now), recomputeDecayed(api.pool, now)]);
    expect(r1.rescored + r2.rescored).toBe(4);
    expect(r1.dropped + r2.dropped).toBe(0);
    expect(await recomputeDecayed(api.pool, now)).toEqual({ rescored: 0, dropped: 0 }); // nothing due now

    const after = await scores();
    const q = after.get('quiet1.example');
    expect(q.parts.recency).toBe(0);
    expect(q.score).toBe(before.get('quiet1.example').score - 6);
    expect(new Date(q.computed_at).getTime()).toBe(now.getTime());
    expect(new Date(q.last_seen).getTime()).toBe(new Date(before.get('quiet1.example').last_seen).getTime());
    // Acme and Globex were computed today: not due, untouched.
    expect(after.get('acme.example').computed_at).toEqual(before.get('acme.example').computed_at);
    // 100 days: no event left in the window, so no engagement; its visit times are kept.
    const gone = after.get('gone.example');
    expect(gone).toMatchObject({ score: 0, engagement: 0 });
    expect(gone.parts.inputs).toMatchObject({ sessions: 0, page_views: 0 });
    expect(new Date(gone.last_seen).getTime()).toBe(new Date(before.get('gone.example').last_seen).getTime());

    // History: the score of the visit's day and today's lower one.
    const detail = await call(api.url, 'GET', `/v1/sites/${api.f.siteA.id}/lead-scores/quiet1.example`, {
      token: api.tok.admin,
    });
    expect(detail.body.history.map((h: { score: number }) => h.score)).toEqual([
      before.get('quiet1.example').score,
      q.score,
    ]);
    // A lower score without a visit fires nothing (the rule's min_score still holds, but no one came).
    expect((await api.pool.query(`SELECT count(*)::int AS n FROM company_alerts`)).rows[0].n).toBe(
      alertsBefore,
    );
  });

  test('decay: a due score of a company the agency now calls "not a company" is removed', async () => {
    const site = api.f.siteA.scriptId;
    // quiet2 as if scored when it visited 40 days ago: due again.
    await api.pool.query(
      `UPDATE company_scores SET computed_at = last_seen + interval '1 minute' WHERE site_id = $1 AND domain = 'quiet2.example'`,
      [site],
    );
    const put = await call(api.url, 'PUT', '/v1/company-overrides', {
      token: api.tok.admin,
      body: { domain: 'quiet2.example', not_company: true },
    });
    expect(put.status).toBe(200);
    expect(await recomputeDecayed(api.pool)).toEqual({ rescored: 0, dropped: 1 });
    const { rows } = await api.pool.query(
      `SELECT domain FROM company_scores WHERE site_id = $1 AND domain LIKE 'quiet%' ORDER BY domain`,
      [site],
    );
    expect(rows.map((r) => r.domain)).toEqual(['quiet1.example', 'quiet3.example']);
  });
});
