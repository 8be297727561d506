// Queries and URL state that several pages read: one home each, so that pages share their cache keys.
import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { get } from './api';
import { useLocation } from './router';
import { readView, viewQuery } from './state';
import type { Page, Site } from './types';

/** A goal of a site (GET /v1/sites/{id}/goals). */
export interface Goal {
  id: string;
  name: string;
  kind: string;
  page_pattern: string | null;
  event_name: string | null;
  property: { key: string; value: string } | null;
  value: { mode: 'fixed'; amount: number } | { mode: 'event'; key: string } | null;
}

/** A saved segment: named filters, shared by the agency's users. */
export interface Segment {
  id: string;
  name: string;
  filters: Record<string, string[]>;
}

/** The view of the URL (range, filters) in the site's timezone, and its query string to keep on links. */
export function useView(site: Site) {
  const { search } = useLocation();
  return { view: readView(search, site.config.timezone), keep: viewQuery(search), search };
}

export function useGoals(site: Site, enabled = true) {
  return useQuery({
    queryKey: ['goals', site.id],
    queryFn: () => get<{ items: Goal[] }>(`/v1/sites/${site.id}/goals`),
    enabled,
  });
}

export function useSegments(site: Site, enabled = true) {
  return useQuery({
    queryKey: ['segments', site.id],
    queryFn: () => get<{ items: Segment[] }>(`/v1/sites/${site.id}/segments`),
    enabled,
  });
}

/** A goal changed: its list and every figure computed from it. */
export function useRefreshGoals() {
  const qc = useQueryClient();
  return () =>
    Promise.all([
      qc.invalidateQueries({ queryKey: ['goals'] }),
      qc.invalidateQueries({ queryKey: ['goal-figures'] }),
    ]);
}

/**
 * A list the API pages with a cursor (`next_cursor`): `path` has its query string and gets `&cursor=…`
 * for the next pages. Answers the query and the items of every page loaded so far.
 */
export function useCursorList<T>(key: readonly unknown[], path: string) {
  const q = useInfiniteQuery({
    queryKey: key,
    initialPageParam: '',
    queryFn: ({ pageParam }) =>
      get<Page<T>>(`${path}${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  return { q, items: q.data?.pages.flatMap((p) => p.items) ?? [] };
}
