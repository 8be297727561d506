import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, get } from '../api';
import { Check, InputField, SelectField, SubmitRow, useSubmit } from '../form';
import { useSession } from '../session';
import { DataTable } from '../table';
import type { Page, Role } from '../types';
import { Async, Empty, Panel } from '../ui';

interface ClientUser {
  id: string;
  email: string;
  role: Role;
  site_access: 'all' | 'selected';
  site_ids: string[];
}

const INVITED_ROLES = [
  ['viewer', 'viewer (reads)'],
  ['user', 'user (reads, manages its sites)'],
  ['admin', 'admin (everything)'],
] as const;

/**
 * Client logins: invite a person by email (they choose their password through a one-time link) with a
 * role and, for a client, only some sites; and change which sites an existing login sees.
 */
export function ClientAccess() {
  return (
    <>
      <InviteForm />
      <ClientLogins />
    </>
  );
}

function InviteForm() {
  const { sites } = useSession();
  const qc = useQueryClient();
  const [notice, setNotice] = useState<string | null>(null);
  const [limited, setLimited] = useState(true);
  const { busy, error, onSubmit } = useSubmit(async (f) => {
    setNotice(null);
    const r = await api<{ invitation: { email_sent: boolean; expires_at: string } }>(
      'POST',
      '/v1/invitations',
      {
        email: String(f.get('email')),
        role: String(f.get('role')),
        site_access: limited ? 'selected' : 'all',
        ...(limited ? { site_ids: f.getAll('site').map(String) } : {}),
      },
    );
    setNotice(
      r.invitation.email_sent
        ? `Invitation sent; the link works until ${new Date(r.invitation.expires_at).toLocaleString()}.`
        : 'The login is created but no email went out (no SMTP server configured): resend it later.',
    );
    void qc.invalidateQueries({ queryKey: ['users'] });
    return true;
  });
  return (
    <Panel title="Invite by email">
      <form className="form" onSubmit={onSubmit}>
        <InputField label="Email of the person" name="email" type="email" required />
        <SelectField
          label="Role of the invited person"
          name="role"
          defaultValue="viewer"
          options={INVITED_ROLES}
        />
        <Check label="Only some sites (a client login)">
          <input type="checkbox" checked={limited} onChange={(e) => setLimited(e.target.checked)} />
        </Check>
        {limited && (
          <fieldset>
            <legend>Sites they see</legend>
            {sites.map((s) => (
              <Check key={s.id} label={s.name}>
                <input type="checkbox" name="site" value={s.id} />
              </Check>
            ))}
          </fieldset>
        )}
        {notice && <p role="status">{notice}</p>}
        <SubmitRow label="Send the invitation" busy={busy} error={error} errorTitle="Could not invite:" />
      </form>
    </Panel>
  );
}

function ClientLogins() {
  const { sites } = useSession();
  const users = useQuery({
    queryKey: ['users'],
    queryFn: () => get<Page<ClientUser>>('/v1/users?limit=500'),
  });
  const nameOf = (id: string) => sites.find((s) => s.id === id)?.name ?? id;
  return (
    <Panel title="Client logins (selected sites only)">
      <Async q={users}>
        {(p) => (
          <DataTable
            scroll={false}
            rows={p.items.filter((u) => u.site_access === 'selected' && u.role !== 'admin')}
            rowKey={(u) => u.id}
            empty={<Empty>Every login sees all sites.</Empty>}
            columns={[
              { head: 'Email', rowHeader: true, cell: (u) => u.email },
              { head: 'Sites', cell: (u) => u.site_ids.map(nameOf).join(', ') || 'none yet' },
            ]}
          />
        )}
      </Async>
    </Panel>
  );
}
