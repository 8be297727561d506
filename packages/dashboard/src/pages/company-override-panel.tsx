import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../api';
import { useSession } from '../session';
import type { CompanyDetail, Site } from '../types';
import { ErrorBox, Panel } from '../ui';

type OverrideField = 'name' | 'industry' | 'employee_count' | 'merge_into';

/** The form's fields: name, label, longest value, and the placeholder (what is identified today). */
const FIELDS: readonly [OverrideField, string, number, (d: CompanyDetail, domain: string) => string][] = [
  ['name', 'Name', 255, (d, domain) => d.company.name ?? domain],
  ['industry', 'Industry', 100, (d) => d.company.industry ?? ''],
  ['employee_count', 'Size (employees)', 50, (d) => d.company.employee_count ?? ''],
  ['merge_into', 'Merge into another domain', 255, () => 'parent.example'],
];

/**
 * The agency's own view of a company (PUT /v1/company-overrides): another name, industry or size, or
 * its visits counted under another domain (merge). Only this agency's views change. Writers only.
 */
export function CompanyOverridePanel({ site, domain, d }: { site: Site; domain: string; d: CompanyDetail }) {
  const { canWrite } = useSession();
  const qc = useQueryClient();
  const o = (d.override ?? {}) as Partial<Record<OverrideField, string | null>>;
  const refresh = () => qc.invalidateQueries({ queryKey: ['company', site.id, domain] });
  const save = useMutation({
    mutationFn: (f: FormData) => {
      const v = (k: string) => String(f.get(k) ?? '').trim() || null;
      return api('PUT', '/v1/company-overrides', {
        domain,
        name: v('name'),
        industry: v('industry'),
        employee_count: v('employee_count'),
        merge_into: v('merge_into'),
      });
    },
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: () => api('DELETE', `/v1/company-overrides?domain=${encodeURIComponent(domain)}`),
    onSuccess: refresh,
  });
  if (!canWrite) return null;
  return (
    <Panel title="Your agency's view of this company">
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate(new FormData(e.currentTarget));
        }}
      >
        {FIELDS.map(([name, label, max, placeholder]) => (
          <label key={name}>
            <span>{label}</span>
            <input
              name={name}
              defaultValue={o[name] ?? ''}
              placeholder={placeholder(d, domain)}
              maxLength={max}
            />
          </label>
        ))}
        {(save.error ?? remove.error) != null && <ErrorBox error={save.error ?? remove.error} />}
        <button type="submit" className="primary" disabled={save.isPending}>
          Save
        </button>{' '}
        {d.override && (
          <button type="button" onClick={() => remove.mutate()} disabled={remove.isPending}>
            Back to the identified facts
          </button>
        )}
      </form>
    </Panel>
  );
}
