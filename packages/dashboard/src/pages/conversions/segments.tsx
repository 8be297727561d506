// Saved segments of a site: named filters that the agency's users share.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api';
import { onFields } from '../../form';
import { useGoals, useSegments, useView, type Segment } from '../../queries';
import { navigate } from '../../router';
import { useSession } from '../../session';
import { Async, ErrorBox, Panel } from '../../ui';
import type { Site } from '../../types';
import { withParam } from './links';

/** Saved segments of the site (shared by the agency's users): apply one, or save the current filters. */
export function SegmentsPanel({ site }: { site: Site }) {
  const { view, keep } = useView(site);
  const { canWrite } = useSession();
  const qc = useQueryClient();
  const base = `/v1/sites/${site.id}/segments`;
  // Goal filters of a segment are listed by the goal's name.
  const goals = useGoals(site);
  const goalName = (id: string) => goals.data?.items.find((g) => g.id === id)?.name ?? id;
  const list = useSegments(site);
  const filters: Record<string, string[]> = {};
  for (const [k, v] of view.filters) if (k !== 'segment') (filters[k] ??= []).push(v);
  const save = useMutation({
    mutationFn: (name: string) => api('POST', base, { name, filters }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['segments', site.id] }),
  });
  return (
    <Panel title="Segments">
      <Async q={list} label="Loading segments…">
        {(l) =>
          l.items.length === 0 ? (
            <p className="muted">No saved segment yet.</p>
          ) : (
            <ul className="segments">
              {l.items.map((sg) => (
                <li key={sg.id} data-segment={sg.name}>
                  <button
                    type="button"
                    className="link"
                    onClick={() => navigate(`/sites/${site.id}/overview${withParam(keep, 'segment', sg.id)}`)}
                  >
                    {sg.name}
                  </button>{' '}
                  <span className="muted small">
                    {Object.entries(sg.filters)
                      .map(([k, v]) =>
                        k === 'goal'
                          ? `converted on ${v.map(goalName).join(' and ')}`
                          : `${k} = ${v.join(' or ')}`,
                      )
                      .join(' · ')}
                  </span>
                  {canWrite && <SegmentEdit site={site} segment={sg} filters={filters} />}
                </li>
              ))}
            </ul>
          )
        }
      </Async>
      {canWrite && Object.keys(filters).length > 0 && (
        <form
          className="form row"
          onSubmit={onFields((f) => save.mutate(String(f.get('segment_name')).trim()))}
        >
          <label>
            <span>Save the current filters as</span>
            <input name="segment_name" required maxLength={120} placeholder="German desktops" />
          </label>
          <button type="submit" disabled={save.isPending}>
            Save segment
          </button>
        </form>
      )}
      {save.error && <ErrorBox error={save.error} />}
    </Panel>
  );
}

/**
 * Writers change a saved segment: rename it, replace its filters with the view's current ones, or
 * delete it (a second click confirms).
 */
function SegmentEdit({
  site,
  segment,
  filters,
}: {
  site: Site;
  segment: Segment;
  filters: Record<string, string[]>;
}) {
  const qc = useQueryClient();
  const url = `/v1/sites/${site.id}/segments/${segment.id}`;
  const [renaming, setRenaming] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const done = () => qc.invalidateQueries({ queryKey: ['segments', site.id] });
  const put = useMutation({
    mutationFn: (body: { name: string; filters: Record<string, string[]> }) => api('PUT', url, body),
    onSuccess: async () => {
      setRenaming(false);
      await done();
    },
  });
  const del = useMutation({ mutationFn: () => api('DELETE', url), onSuccess: done });
  return (
    <span className="segment-edit">
      {renaming ? (
        <form
          className="row"
          onSubmit={onFields((f) =>
            put.mutate({ name: String(f.get('name')).trim(), filters: segment.filters }),
          )}
        >
          <input
            name="name"
            aria-label={`New name of ${segment.name}`}
            defaultValue={segment.name}
            required
            maxLength={120}
          />
          <button type="submit" disabled={put.isPending}>
            Save
          </button>
          <button type="button" onClick={() => setRenaming(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <>
          <button type="button" className="link" onClick={() => setRenaming(true)}>
            Rename
          </button>
          {Object.keys(filters).length > 0 && (
            <button
              type="button"
              className="link"
              title="Replace its filters with the current ones"
              onClick={() => put.mutate({ name: segment.name, filters })}
            >
              Use current filters
            </button>
          )}
          <button
            type="button"
            className="link danger"
            aria-label={confirming ? `Confirm deleting ${segment.name}` : `Delete ${segment.name}`}
            onClick={() => (confirming ? del.mutate() : setConfirming(true))}
          >
            {confirming ? 'Confirm delete' : 'Delete'}
          </button>
        </>
      )}
      {(put.error ?? del.error) && <ErrorBox error={(put.error ?? del.error)!} />}
    </span>
  );
}
