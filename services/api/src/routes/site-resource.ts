import { z } from 'zod';
import { recordAdminAction } from '../admin-actions.js';
import { ANY_ROLE, WRITERS, type AuthContext, type Role, type SiteScope } from '../auth/types.js';
import type { ApiDeps } from '../deps.js';
import { conflictOnUnique, NotFoundError } from '../http/errors.js';
import { siteIdParam } from '../http/validate.js';
import type { Answer, RouteTable } from '../openapi/route-table.js';

/** Who calls a site route: the site the table resolved within the caller's agency, and the caller. */
export interface SiteCaller {
  site: SiteScope;
  auth: AuthContext;
}

/** Owner values of things keyed by the site's script_id (as events are): goals, segments, funnels. */
export const byScriptId = ({ site }: SiteCaller): unknown[] => [site.scriptId];
/** Owner values of things keyed by the agency and the site's id: schedules, alerts, share links. */
export const byAgencyAndSite = ({ auth, site }: SiteCaller): unknown[] => [auth.agencyId, site.id];

/**
 * A collection of things a site owns (goals, segments, funnels, report schedules, alerts, share
 * links): `/v1/sites/:siteId/<collection>` and `/<collection>/:<idParam>`. Every statement takes the
 * `owner` values first, then (for one item) its id, then the values of the body: the tenant wall is
 * the site scope of the route table plus these leading values in the SQL.
 */
export interface SiteResourceOptions<Row, Item extends z.ZodType> {
  /** What a 404 names ('goal', 'share link'). */
  noun: string;
  /** The path below the site; default the noun's plural ('goals', 'share-links'). */
  collection?: string;
  /** The path parameter of one item (a uuid); default its last word's id ('goalId', 'linkId'). */
  idParam?: string;
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

/** The params of one item: the site and the item's uuid. */
const itemParams = (idParam: string) => z.object({ siteId: siteIdParam, [idParam]: z.uuid() });

// Every route below is site scoped: the table resolves `:siteId` within the caller's agency first.
type SitePath = `/v1/sites/:siteId/${string}`;

/** Defines the routes of one site resource; each method adds one route to the table. */
export class SiteResource<Row extends { id: string }, Item extends z.ZodType> {
  /** The path of one item, for routes of their own below it (e.g. a funnel's stats). */
  readonly one: SitePath;
  /** The params of one item: the site and the item's uuid. */
  readonly params: ReturnType<typeof itemParams>;
  /** The path of the collection, for routes of their own on it (e.g. a create that answers more). */
  readonly base: SitePath;
  private readonly idParam: string;

  constructor(
    private readonly t: RouteTable,
    private readonly d: ApiDeps,
    private readonly o: SiteResourceOptions<Row, Item>,
  ) {
    this.base = `/v1/sites/:siteId/${o.collection ?? `${o.noun.replaceAll(' ', '-')}s`}`;
    this.idParam = o.idParam ?? `${o.noun.split(' ').pop()!}Id`;
    this.one = `${this.base}/:${this.idParam}`;
    this.params = itemParams(this.idParam);
  }

  /** The row, or a 404 naming the resource. */
  found = (row: Row | undefined): Row => {
    if (!row) throw new NotFoundError(this.o.noun);
    return row;
  };

  /** GET the collection: `{items}` in the statement's order. */
  list(r: Doc & { sql: string; answer: string; listId?: string }): void {
    const items = z.object({ items: z.array(this.o.item) });
    this.t.define(
      {
        route: `get ${this.base}`,
        ...this.doc(r, 'read'),
        responses: { 200: [r.answer, r.listId ? items.meta({ id: r.listId }) : items] },
      },
      async (c) => ({ items: (await this.query(r.sql, this.o.owner(c))).rows.map(this.o.toItem) }),
    );
  }

  /** GET one item (404 when the site has no such item). */
  get(r: Doc & { sql: string; answer: string }): void {
    this.t.define(
      {
        route: `get ${this.one}`,
        ...this.doc(r, 'read'),
        params: this.params,
        responses: { 200: [r.answer, this.o.item] },
      },
      async (c) => {
        const { rows } = await this.query(r.sql, [...this.o.owner(c), this.idOf(c.params)]);
        return this.o.toItem(this.found(rows[0]));
      },
    );
  }

  /** POST a new item: owner values, the body's `values`, then the creating user. */
  create<Body extends z.ZodType>(
    r: WriteDoc<Body> & { sql: string; values: (b: z.output<Body>) => unknown[] },
  ): void {
    this.t.define(
      {
        route: `post ${this.base}`,
        ...this.doc(r, 'write'),
        body: r.body,
        responses: { 201: [r.answer, this.o.item], ...this.taken() },
      },
      async (c) => {
        const body = c.body as z.output<Body>;
        await r.check?.(body, c);
        const row = (await this.write(r.sql, [...this.o.owner(c), ...r.values(body), c.auth.userId]))!;
        this.logged(c, 'create', row.id);
        return this.o.toItem(row);
      },
    );
  }

  /** PUT or PATCH one item: owner values, its id, then the body's `values` (404 when not the site's). */
  update<Body extends z.ZodType>(
    r: WriteDoc<Body> & { method: 'put' | 'patch'; sql: string; values: (b: z.output<Body>) => unknown[] },
  ): void {
    this.t.define(
      {
        route: `${r.method} ${this.one}`,
        ...this.doc(r, 'write'),
        params: this.params,
        body: r.body,
        responses: { 200: [r.answer, this.o.item], ...this.taken() },
      },
      async (c) => {
        const body = c.body as z.output<Body>;
        const id = this.idOf(c.params);
        await r.check?.(body, c);
        const row = this.found(await this.write(r.sql, [...this.o.owner(c), id, ...r.values(body)]));
        this.logged(c, 'update', id);
        return this.o.toItem(row);
      },
    );
  }

  /** DELETE one item: 204, or 404 when the statement touched no row of the site. */
  remove(r: Doc & { sql: string; answer?: string; verb?: string }): void {
    this.t.define(
      {
        route: `delete ${this.one}`,
        ...this.doc(r, 'write'),
        params: this.params,
        responses: { 204: r.answer ?? 'Deleted' },
      },
      async (c) => {
        const id = this.idOf(c.params);
        const { rowCount } = await this.d.pool.query(r.sql, [...this.o.owner(c), id]);
        if (!rowCount) throw new NotFoundError(this.o.noun);
        this.logged(c, r.verb ?? 'delete', id);
        return undefined;
      },
    );
  }

  /** Summary, description, tags and roles of a read or a write. */
  private doc(r: Doc, kind: 'read' | 'write') {
    const roles = kind === 'read' ? (this.o.readRoles ?? ANY_ROLE) : (this.o.writeRoles ?? WRITERS);
    return {
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      tags: this.o.tags,
      roles,
    };
  }

  private taken(): Record<number, Answer> {
    return this.o.uniqueName ? { 409: 'Name taken' } : {};
  }

  private idOf(params: unknown): string {
    return (params as Record<string, string>)[this.idParam]!;
  }

  private query(sql: string, values: unknown[]) {
    return this.d.pool.query<Row>(sql, values);
  }

  /** Runs a write, a taken name answering 409. */
  private async write(sql: string, values: unknown[]): Promise<Row | undefined> {
    try {
      return (await this.query(sql, values)).rows[0];
    } catch (err) {
      throw this.o.uniqueName ? conflictOnUnique(err, this.o.uniqueName) : err;
    }
  }

  private logged(c: SiteCaller, verb: string, id: string): void {
    const a = this.o.adminAction;
    if (a) recordAdminAction(this.d, c.auth, `${a.action}.${verb}`, { [a.idKey]: id, site_id: c.site.id });
  }
}

/** The routes of one site resource (see SiteResourceOptions). */
export function siteResource<Row extends { id: string }, Item extends z.ZodType>(
  t: RouteTable,
  d: ApiDeps,
  o: SiteResourceOptions<Row, Item>,
): SiteResource<Row, Item> {
  return new SiteResource(t, d, o);
}
