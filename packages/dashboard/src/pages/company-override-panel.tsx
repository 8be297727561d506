import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../api';
import { useSession } from '../session';
import type { CompanyDetail, Site } from '../types';
import { ErrorBox, Panel } from '../ui';

/**
 * The agency's own view of a company (PUT /v1/company-overrides): another name, industry or size, or
 * its visits counted under another domain (merge). Only this agency's views change. Writers only.
 */
export function CompanyOverridePanel({ site, domain, d }: { site: Site; domain: string; d: CompanyDetail }) {
  const { canWrite } = useSession();
  const qc = useQueryClient();
  const o = (d.override ?? {}) as {
    name?: string | null;
    industry?: string | null;
    employee_count?: string | null;
    merge_into?: string | null;
  };
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
        <label>
          <span>Name</span>
          <input
            name="name"
            defaultValue={o.name ?? ''}
            placeholder={d.company.name ?? domain}
            maxLength={255}
          />
        </label>
        <label>
          <span>Industry</span>
          <input
            name="industry"
            defaultValue={o.industry ?? ''}
            placeholder={d.company.industry ?? ''}
            maxLength={100}
          />
        </label>
        <label>
          <span>Size (employees)</span>
          <input
            name="employee_count"
            defaultValue={o.employee_count ?? ''}
            placeholder={d.company.employee_count ?? ''}
            maxLength={50}
          />
        </label>
        <label>
          <span>Merge into another domain</span>
          <input
            name="merge_into"
            defaultValue={o.merge_into ?? ''}
            placeholder="parent.example"
            maxLength={255}
          />
        </label>
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
