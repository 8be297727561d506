// Users and roles (admins): the agency's logins, a login made with a password, and client access.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, get } from '../api';
import { fmtTime } from '../format';
import { InputField, onFields, Options, SelectField, SubmitRow } from '../form';
import { useSession, useZone } from '../session';
import { ItemsTable } from '../table';
import type { Page, Role, User } from '../types';
import { ErrorBox, Panel } from '../ui';
import { ClientAccess } from './invite';

const ROLES = (['admin', 'user', 'viewer'] as const).map((r) => [r, r] as const);

export function UsersSettings() {
  return (
    <>
      <h1 className="page-title">Users and roles</h1>
      <p className="muted">
        Admins manage users, sites and the agency; users manage sites; viewers only read.
      </p>
      <UsersPanel />
      <AddUserPanel />
      <ClientAccess />
    </>
  );
}

type UserPatch = { id: string; role?: Role; is_active?: boolean };

function UsersPanel() {
  const tz = useZone();
  const qc = useQueryClient();
  const { me } = useSession();
  const users = useQuery({ queryKey: ['users'], queryFn: () => get<Page<User>>('/v1/users?limit=500') });
  const update = useMutation({
    mutationFn: ({ id, ...body }: UserPatch) => api<User>('PATCH', `/v1/users/${id}`, body),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['users'] }),
  });
  // The signed-in admin cannot change their own role or lock themselves out from here.
  const self = (u: User) => u.id === me.user?.id;
  return (
    <Panel title="Users">
      {update.error && <ErrorBox error={update.error} />}
      <ItemsTable
        q={users}
        columns={[
          { head: 'Email', rowHeader: true, cell: (u) => u.email },
          {
            head: 'Role',
            cell: (u) => (
              <select
                aria-label={`Role of ${u.email}`}
                value={u.role}
                disabled={self(u)}
                onChange={(e) => update.mutate({ id: u.id, role: e.target.value as Role })}
              >
                <Options of={ROLES} />
              </select>
            ),
          },
          {
            head: 'Active',
            cell: (u) => (
              <label className="check">
                <input
                  type="checkbox"
                  checked={u.is_active}
                  disabled={self(u)}
                  onChange={(e) => update.mutate({ id: u.id, is_active: e.target.checked })}
                />
                <span className="sr-only">Active: {u.email}</span>
              </label>
            ),
          },
          { head: 'Last login', cell: (u) => (u.last_login ? fmtTime(u.last_login, tz) : 'never') },
        ]}
      />
    </Panel>
  );
}

function AddUserPanel() {
  const qc = useQueryClient();
  const create = useMutation({
    mutationFn: (body: { email: string; password: string; role: Role }) =>
      api<User>('POST', '/v1/users', body),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['users'] }),
  });
  return (
    <Panel title="Add a user with a password">
      <form
        className="form"
        onSubmit={onFields((f, form) => {
          const body = {
            email: String(f.get('email')),
            password: String(f.get('password')),
            role: f.get('role') as Role,
          };
          create.mutate(body, { onSuccess: () => form.reset() });
        })}
      >
        <InputField label="Email" name="email" type="email" required />
        <InputField
          label="Initial password (8 to 72 characters)"
          name="password"
          type="password"
          minLength={8}
          maxLength={72}
          required
          autoComplete="new-password"
        />
        <SelectField label="Role" name="role" defaultValue="viewer" options={ROLES} />
        <SubmitRow label="Add user" busy={create.isPending} error={create.error} />
      </form>
    </Panel>
  );
}
