import { z } from 'zod';
import { recordAdminAction } from '../admin-actions.js';
import { ANY_ROLE, WRITERS, type AuthContext, type Role, type SiteScope } from '../auth/types.js';
import type { ApiDeps } from '../deps.js';
import { conflictOnUnique, NotFoundError } from '../http/errors.js';
import { siteIdParam } from '../http/validate.js';
import type { ResponseSpec, RouteTable } from '../openapi/route-table.js';

/** Who calls a site route: the site the table resolved within the caller's agency, and the caller. */
export interface SiteCaller {
  site: SiteScope;
  auth: AuthContext;
}

/**
 * A collection of things a site owns (goals, segments, funnels, report schedules, alerts, share
 * links): `/v1/sites/:siteId/<collection>` and `/<collection>/:<idParam>`. Every statement takes the
 * `owner` values first, then (for one item) its id, then the values of the body: the tenant wall is
 * the site scope of the route table plus these leading values in the SQL.
 */
export interface SiteResourceOptions<Row, Item extends z.ZodType> {
  /** What a 404 names ('goal', 'share link'). */
  noun: string;
  /** The path below the site, e.g. 'goals'. */
  collection: string;
  /** The path parameter of one item, e.g. 'goalId' (a uuid). */
  idParam: string;
  tags: string[];
  /** Who may read (default every role) and who may change (default admins and users). */
  readRoles?: readonly Role[];
  writeRoles?: readonly Role[];
  /** The leading statement values: the site's script_id, or the agency and the site's id. */
  owner: (c: SiteCaller) => unknown[];
  /** The answer schema of one item and how a row becomes one. */
  item: Item;
  toItem: (row: Row) => z.output<Item>;
  /** The message of the 409 when a name is taken (collections with unique names). */
  uniqueName?: string;
  /** Logs each change as an admin action `<action>.<verb>` naming `<idKey>` and the site. */
  adminAction?: { action: string; idKey: string };
}

interface Doc {
  summary: string;
  description?: string;
}

interface WriteDoc<Body extends z.ZodType> extends Doc {
  body: Body;
  /** The description of the answered item. */
  answer: string;
  /** Checks the body against the site before writing (e.g. that named goals exist). */
  check?: (body: z.output<Body>, c: SiteCaller) => Promise<unknown>;
}

// Every route below is site scoped: the table resolves `:siteId` within the caller's agency first.
type SitePath = `/v1/sites/:siteId/${string}`;

export function siteResource<Row extends { id: string }, Item extends z.ZodType>(
  t: RouteTable,
  d: ApiDeps,
  o: SiteResourceOptions<Row, Item>,
) {
  const base: SitePath = `/v1/sites/:siteId/${o.collection}`;
  const one: SitePath = `${base}/:${o.idParam}`;
  const params = z.object({ siteId: siteIdParam, [o.idParam]: z.uuid() });
  const read = { tags: o.tags, roles: o.readRoles ?? ANY_ROLE };
  const write = { tags: o.tags, roles: o.writeRoles ?? WRITERS };
  const doc = (r: Doc) => ({ summary: r.summary, ...(r.description ? { description: r.description } : {}) });
  const taken: Record<number, ResponseSpec> = o.uniqueName ? { 409: { description: 'Name taken' } } : {};
  const idOf = (p: unknown) => (p as Record<string, string>)[o.idParam]!;
  const query = (sql: string, values: unknown[]) => d.pool.query<Row>(sql, values);
  const found = (row: Row | undefined): Row => {
    if (!row) throw new NotFoundError(o.noun);
    return row;
  };
  const logged = (c: SiteCaller, verb: string, id: string) => {
    if (o.adminAction)
      recordAdminAction(d, c.auth, `${o.adminAction.action}.${verb}`, {
        [o.adminAction.idKey]: id,
        site_id: c.site.id,
      });
  };
  /** Runs a write, a taken name answering 409. */
  const writing = async (sql: string, values: unknown[]) => {
    try {
      return (await query(sql, values)).rows[0];
    } catch (err) {
      throw o.uniqueName ? conflictOnUnique(err, o.uniqueName) : err;
    }
  };

  return {
    /** GET the collection: `{items}` in the statement's order. */
    list(r: Doc & { sql: string; answer: string; listId?: string }) {
      const items = z.object({ items: z.array(o.item) });
      t.define(
        {
          method: 'get',
          path: base,
          ...doc(r),
          ...read,
          responses: {
            200: { description: r.answer, schema: r.listId ? items.meta({ id: r.listId }) : items },
          },
        },
        async (c) => ({ items: (await query(r.sql, o.owner(c))).rows.map(o.toItem) }),
      );
    },

    /** GET one item (404 when the site has no such item). */
    get(r: Doc & { sql: string; answer: string }) {
      t.define(
        {
          method: 'get',
          path: one,
          ...doc(r),
          ...read,
          request: { params },
          responses: { 200: { description: r.answer, schema: o.item } },
        },
        async (c) => o.toItem(found((await query(r.sql, [...o.owner(c), idOf(c.params)])).rows[0])),
      );
    },

    /** POST a new item: owner values, the body's `values`, then the creating user. */
    create<Body extends z.ZodType>(
      r: WriteDoc<Body> & { sql: string; values: (b: z.output<Body>) => unknown[] },
    ) {
      t.define(
        {
          method: 'post',
          path: base,
          ...doc(r),
          ...write,
          request: { body: r.body },
          responses: { 201: { description: r.answer, schema: o.item }, ...taken },
        },
        async (c) => {
          const body = c.body as z.output<Body>;
          await r.check?.(body, c);
          const row = (await writing(r.sql, [...o.owner(c), ...r.values(body), c.auth.userId]))!;
          logged(c, 'create', row.id);
          return o.toItem(row);
        },
      );
    },

    /** PUT or PATCH one item: owner values, its id, then the body's `values` (404 when not the site's). */
    update<Body extends z.ZodType>(
      r: WriteDoc<Body> & { method: 'put' | 'patch'; sql: string; values: (b: z.output<Body>) => unknown[] },
    ) {
      t.define(
        {
          method: r.method,
          path: one,
          ...doc(r),
          ...write,
          request: { params, body: r.body },
          responses: { 200: { description: r.answer, schema: o.item }, ...taken },
        },
        async (c) => {
          const body = c.body as z.output<Body>;
          const id = idOf(c.params);
          await r.check?.(body, c);
          const row = found(await writing(r.sql, [...o.owner(c), id, ...r.values(body)]));
          logged(c, 'update', id);
          return o.toItem(row);
        },
      );
    },

    /** DELETE one item: 204, or 404 when the statement touched no row of the site. */
    remove(r: Doc & { sql: string; answer?: string; verb?: string }) {
      t.define(
        {
          method: 'delete',
          path: one,
          ...doc(r),
          ...write,
          request: { params },
          responses: { 204: { description: r.answer ?? 'Deleted' } },
        },
        async (c) => {
          const id = idOf(c.params);
          const { rowCount } = await d.pool.query(r.sql, [...o.owner(c), id]);
          if (!rowCount) throw new NotFoundError(o.noun);
          logged(c, r.verb ?? 'delete', id);
          return undefined;
        },
      );
    },

    /** The path and params of one item, for routes of their own below it (e.g. a funnel's stats). */
    one,
    params,
    found,
  };
}
