// Security: the cluster's ACLs, SCRAM users and client quotas, with forms to add and remove them. A
// part the cluster does not show (no authorizer, not permitted) says why instead.
import { useState } from 'preact/hooks';
import type { AclRequest, AclRow, SecurityOverview, SessionInfo } from '../../api-types';
import { api, enc } from '../api';
import { ErrorBox, Loading, useAction, useData } from '../components';

const OPERATIONS = [
  'READ',
  'WRITE',
  'CREATE',
  'DELETE',
  'ALTER',
  'DESCRIBE',
  'DESCRIBE_CONFIGS',
  'ALTER_CONFIGS',
  'IDEMPOTENT_WRITE',
  'CLUSTER_ACTION',
  'ALL',
];
const RESOURCES = ['TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID'];
const QUOTA_KEYS = [
  'producer_byte_rate',
  'consumer_byte_rate',
  'request_percentage',
  'controller_mutation_rate',
];

export function SecurityPage({ session }: { session: SessionInfo }) {
  const { data, error, reload } = useData<SecurityOverview>('/api/security', session.refreshMs);
  return (
    <section>
      <h1>Security</h1>
      <ErrorBox error={error} />
      {!data && !error && <Loading what="security settings" />}
      {data && (
        <>
          <Acls data={data} session={session} reload={reload} />
          <Users data={data} session={session} reload={reload} />
          <Quotas data={data} session={session} reload={reload} />
        </>
      )}
    </section>
  );
}

interface PartProps {
  data: SecurityOverview;
  session: SessionInfo;
  reload: () => void;
}

function Acls({ data, session, reload }: PartProps) {
  const act = useAction();
  const [form, setForm] = useState<AclRequest>({
    principal: 'User:',
    permission: 'ALLOW',
    operation: 'READ',
    resourceType: 'TOPIC',
    resourceName: '',
    patternType: 'LITERAL',
  });
  const set = (patch: Partial<AclRequest>) => setForm({ ...form, ...patch });
  const remove = (a: AclRow) =>
    act.run(() => api('/api/security/acls/remove', { method: 'POST', body: a })).then((ok) => ok && reload());
  const add = async (e: Event) => {
    e.preventDefault();
    if (await act.run(() => api('/api/security/acls', { method: 'POST', body: form }))) reload();
  };
  return (
    <>
      <h2>ACLs</h2>
      {data.aclsUnavailable && <p class="muted">ACLs cannot be shown: {data.aclsUnavailable}</p>}
      {data.acls && data.acls.length === 0 && <p class="muted">No ACLs.</p>}
      {data.acls && data.acls.length > 0 && (
        <table data-ready="acls">
          <thead>
            <tr>
              <th>principal</th>
              <th>permission</th>
              <th>operation</th>
              <th>resource</th>
              <th>pattern</th>
              <th>host</th>
              {!session.readOnly && <th />}
            </tr>
          </thead>
          <tbody>
            {data.acls.map((a) => (
              <tr
                key={`${a.principal} ${a.permission} ${a.operation} ${a.resourceType} ${a.resourceName} ${a.patternType} ${a.host}`}
              >
                <td>{a.principal}</td>
                <td>
                  <span class={`badge ${a.permission === 'DENY' ? 'state-dead' : 'state-stable'}`}>
                    {a.permission}
                  </span>
                </td>
                <td>{a.operation}</td>
                <td>
                  {a.resourceType.toLowerCase()}:{a.resourceName}
                </td>
                <td>{a.patternType}</td>
                <td>{a.host}</td>
                {!session.readOnly && (
                  <td>
                    <button type="button" class="link" onClick={() => remove(a)}>
                      Remove
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {!session.readOnly && data.acls && (
        <form class="form inline" onSubmit={add}>
          <input
            aria-label="principal"
            value={form.principal}
            onInput={(e) => set({ principal: e.currentTarget.value })}
          />
          <select
            aria-label="permission"
            value={form.permission}
            onChange={(e) => set({ permission: e.currentTarget.value as 'ALLOW' | 'DENY' })}
          >
            <option>ALLOW</option>
            <option>DENY</option>
          </select>
          <select
            aria-label="operation"
            value={form.operation}
            onChange={(e) => set({ operation: e.currentTarget.value })}
          >
            {OPERATIONS.map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
          <select
            aria-label="resource type"
            value={form.resourceType}
            onChange={(e) => set({ resourceType: e.currentTarget.value })}
          >
            {RESOURCES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
          <input
            aria-label="resource name"
            placeholder="name"
            value={form.resourceName}
            onInput={(e) => set({ resourceName: e.currentTarget.value })}
          />
          <select
            aria-label="pattern"
            value={form.patternType}
            onChange={(e) => set({ patternType: e.currentTarget.value as 'LITERAL' | 'PREFIXED' })}
          >
            <option>LITERAL</option>
            <option>PREFIXED</option>
          </select>
          <button type="submit" class="primary" disabled={act.busy}>
            Add ACL
          </button>
        </form>
      )}
      <ErrorBox error={act.error} />
    </>
  );
}

function Users({ data, session, reload }: PartProps) {
  const act = useAction();
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [mechanism, setMechanism] = useState<'SCRAM-SHA-256' | 'SCRAM-SHA-512'>('SCRAM-SHA-512');
  const save = async (e: Event) => {
    e.preventDefault();
    if (
      await act.run(() => api('/api/security/users', { method: 'POST', body: { user, password, mechanism } }))
    ) {
      setPassword('');
      reload();
    }
  };
  return (
    <>
      <h2>SCRAM users</h2>
      {data.usersUnavailable && <p class="muted">Users cannot be shown: {data.usersUnavailable}</p>}
      {data.users && data.users.length === 0 && <p class="muted">No SCRAM users.</p>}
      {data.users && data.users.length > 0 && (
        <table data-ready="users">
          <thead>
            <tr>
              <th>user</th>
              <th>mechanisms (iterations)</th>
              {!session.readOnly && <th />}
            </tr>
          </thead>
          <tbody>
            {data.users.map((u) => (
              <tr key={u.user}>
                <td>{u.user}</td>
                <td>{u.mechanisms.join(', ')}</td>
                {!session.readOnly && (
                  <td>
                    <button
                      type="button"
                      class="link"
                      onClick={() =>
                        act
                          .run(() => api(`/api/security/users/${enc(u.user)}`, { method: 'DELETE' }))
                          .then((ok) => ok && reload())
                      }
                    >
                      Delete
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {!session.readOnly && data.users && (
        <form class="form inline" onSubmit={save}>
          <input
            aria-label="user"
            placeholder="user"
            required
            value={user}
            onInput={(e) => setUser(e.currentTarget.value)}
          />
          <input
            aria-label="password"
            type="password"
            placeholder="password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
          <select
            aria-label="mechanism"
            value={mechanism}
            onChange={(e) => setMechanism(e.currentTarget.value as 'SCRAM-SHA-256' | 'SCRAM-SHA-512')}
          >
            <option>SCRAM-SHA-512</option>
            <option>SCRAM-SHA-256</option>
          </select>
          <button type="submit" class="primary" disabled={act.busy}>
            Set password
          </button>
        </form>
      )}
      <ErrorBox error={act.error} />
    </>
  );
}

const entityText = (v: string | null) => (v === null ? '<default>' : v);

function Quotas({ data, session, reload }: PartProps) {
  const act = useAction();
  const [user, setUser] = useState('');
  const [clientId, setClientId] = useState('');
  const [key, setKey] = useState(QUOTA_KEYS[0]);
  const [value, setValue] = useState('');
  const save = async (e: Event) => {
    e.preventDefault();
    const body = {
      ...(user ? { user: user === '<default>' ? '' : user } : {}),
      ...(clientId ? { clientId: clientId === '<default>' ? '' : clientId } : {}),
      quotas: { [key]: value === '' ? null : Number(value) },
    };
    if (await act.run(() => api('/api/security/quotas', { method: 'POST', body }))) reload();
  };
  return (
    <>
      <h2>Client quotas</h2>
      {data.quotasUnavailable && <p class="muted">Quotas cannot be shown: {data.quotasUnavailable}</p>}
      {data.quotas && data.quotas.length === 0 && <p class="muted">No client quotas.</p>}
      {data.quotas && data.quotas.length > 0 && (
        <table data-ready="quotas">
          <thead>
            <tr>
              <th>user</th>
              <th>client id</th>
              <th>quotas</th>
            </tr>
          </thead>
          <tbody>
            {data.quotas.map((q) => (
              <tr key={`${q.user}|${q.clientId}`}>
                <td>{q.user === undefined ? '' : entityText(q.user)}</td>
                <td>{q.clientId === undefined ? '' : entityText(q.clientId)}</td>
                <td>
                  {Object.entries(q.quotas)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(', ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {!session.readOnly && data.quotas && (
        <form class="form inline" onSubmit={save}>
          <input
            aria-label="quota user"
            placeholder="user or <default>"
            value={user}
            onInput={(e) => setUser(e.currentTarget.value)}
          />
          <input
            aria-label="quota client id"
            placeholder="client id or <default>"
            value={clientId}
            onInput={(e) => setClientId(e.currentTarget.value)}
          />
          <select aria-label="quota" value={key} onChange={(e) => setKey(e.currentTarget.value)}>
            {QUOTA_KEYS.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
          <input
            aria-label="quota value"
            placeholder="value (empty removes)"
            value={value}
            onInput={(e) => setValue(e.currentTarget.value)}
          />
          <button type="submit" class="primary" disabled={act.busy}>
            Set quota
          </button>
        </form>
      )}
      <ErrorBox error={act.error} />
    </>
  );
}
