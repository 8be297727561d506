// A site's list of things a user adds, changes, switches off and deletes (traffic alerts, report
// schedules): the list from the API, the item in the form, deletion, and the form that adds a new one
// (POST) or saves the one being edited (PATCH, with its Enabled box).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { api, get } from './api';
import { AddOrSaveRow, Check, useSubmit } from './form';

interface Item {
  id: string;
  enabled: boolean;
}

/** What the list hands its ItemForm: where items go, the one being edited (null: a new one), and what follows a save or cancel. */
export interface ItemFormTarget<T extends Item> {
  path: string;
  editing: T | null;
  onDone: () => void;
}

/** The items at `path` (`GET path` answers `{items}`), the one being edited, deletion, and the form's target. */
export function useItemList<T extends Item>(queryKey: readonly unknown[], path: string) {
  const qc = useQueryClient();
  const list = useQuery({ queryKey, queryFn: () => get<{ items: T[] }>(path) });
  const [editing, setEditing] = useState<T | null>(null);
  const reload = () => qc.invalidateQueries({ queryKey });
  const remove = useMutation({
    mutationFn: (id: string) => api('DELETE', `${path}/${id}`),
    onSuccess: () => void reload(),
  });
  /** After the form's save or cancel: no item in the form, the list read again. */
  const done = () => {
    setEditing(null);
    void reload();
  };
  const form: ItemFormTarget<T> = { path, editing, onDone: done };
  return { list, editing, setEditing, remove, done, form };
}

/**
 * The form of an item of a list (useItemList's `form`): `body` turns its fields into the API's body; a new
 * item is POSTed, the edited one PATCHed with its Enabled box. `title`: the form's heading for a new item
 * and for a change.
 */
export function ItemForm<T extends Item>({
  path,
  editing,
  body,
  onDone,
  title,
  add,
  save,
  enabledLabel,
  children,
}: ItemFormTarget<T> & {
  body: (f: FormData) => Record<string, unknown>;
  title: readonly [string, string];
  add: string;
  save: string;
  enabledLabel: string;
  children: ReactNode;
}) {
  const { busy, error, onSubmit } = useSubmit(async (f) => {
    const b = { ...body(f), ...(editing ? { enabled: f.get('enabled') === 'on' } : {}) };
    await (editing ? api('PATCH', `${path}/${editing.id}`, b) : api('POST', path, b));
    onDone();
    return true;
  });
  const heading = editing ? title[1] : title[0];
  return (
    <form className="form" onSubmit={onSubmit} aria-label={heading}>
      <h3>{heading}</h3>
      {children}
      {editing && (
        <Check label={enabledLabel}>
          <input name="enabled" type="checkbox" defaultChecked={editing.enabled} />
        </Check>
      )}
      <AddOrSaveRow editing={!!editing} add={add} save={save} busy={busy} error={error} onCancel={onDone} />
    </form>
  );
}
