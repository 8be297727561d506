import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, get } from '../api';
import { useSession } from '../session';
import type { Page, Role } from '../types';
import { Async, ErrorBox, Panel } from '../ui';

interface ClientUser {
  id: string;
  email: string;
  role: Role;
  site_access: 'all' | 'selected';
  site_ids: string[];
}

/**
 * Client logins: invite a person by email (they choose their password through a one-time link) with a
 * role and, for a client, only some sites; and change which sites an existing login sees.
 */
export function ClientAccess() {
  const { sites } = useSession();
  const qc = useQueryClient();
  const users = useQuery({
    queryKey: ['users'],
    queryFn: () => get<Page<ClientUser>>('/v1/users?limit=500'),
  });
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [limited, setLimited] = useState(true);
  const nameOf = (id: string) => sites.find((s) => s.id === id)?.name ?? id;
  return (
    <>
      <Panel title="Invite by email">
        <form
          className="form"
          onSubmit={async (e) => {
            e.preventDefault();
            const form = e.currentTarget;
            const f = new FormData(form);
            setError(null);
            setNotice(null);
            try {
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
              form.reset();
              void qc.invalidateQueries({ queryKey: ['users'] });
            } catch (err) {
              setError(err);
            }
          }}
        >
          <label>
            <span>Email of the person</span>
            <input name="email" type="email" required />
          </label>
          <label>
            <span>Role of the invited person</span>
            <select name="role" defaultValue="viewer">
              <option value="viewer">viewer (reads)</option>
              <option value="user">user (reads, manages its sites)</option>
              <option value="admin">admin (everything)</option>
            </select>
          </label>
          <label className="check">
            <input type="checkbox" checked={limited} onChange={(e) => setLimited(e.target.checked)} />
            <span>Only some sites (a client login)</span>
          </label>
          {limited && (
            <fieldset>
              <legend>Sites they see</legend>
              {sites.map((s) => (
                <label className="check" key={s.id}>
                  <input type="checkbox" name="site" value={s.id} />
                  <span>{s.name}</span>
                </label>
              ))}
            </fieldset>
          )}
          {error != null && <ErrorBox error={error} title="Could not invite:" />}
          {notice && <p role="status">{notice}</p>}
          <button type="submit" className="primary">
            Send the invitation
          </button>
        </form>
      </Panel>
      <Panel title="Client logins (selected sites only)">
        <Async q={users}>
          {(p) => {
            const clients = p.items.filter((u) => u.site_access === 'selected' && u.role !== 'admin');
            return clients.length === 0 ? (
              <p className="muted">Every login sees all sites.</p>
            ) : (
              <table className="data">
                <thead>
                  <tr>
                    <th scope="col">Email</th>
                    <th scope="col">Sites</th>
                  </tr>
                </thead>
                <tbody>
                  {clients.map((u) => (
                    <tr key={u.id}>
                      <th scope="row">{u.email}</th>
                      <td>{u.site_ids.map(nameOf).join(', ') || 'none yet'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            );
          }}
        </Async>
      </Panel>
    </>
  );
}
