// The consumer groups: state, members, total lag and the topics they read.
import { useState } from 'preact/hooks';
import type { GroupRow, SessionInfo } from '../../api-types';
import { ErrorBox, Loading, useData } from '../components';
import { count } from '../format';
import { href } from '../router';

export function GroupsPage({ session }: { session: SessionInfo }) {
  const { data, error } = useData<GroupRow[]>('/api/groups', session.refreshMs);
  const [search, setSearch] = useState('');
  const needle = search.trim().toLowerCase();
  const rows = (data ?? []).filter((g) => !needle || g.groupId.toLowerCase().includes(needle));
  return (
    <section>
      <h1>Consumer groups</h1>
      <div class="toolbar">
        <input
          type="search"
          placeholder="Search groups"
          aria-label="Search groups"
          value={search}
          onInput={(e) => setSearch(e.currentTarget.value)}
        />
      </div>
      <ErrorBox error={error} />
      {!data && !error && <Loading what="groups" />}
      {data && rows.length === 0 && <p class="muted">No consumer groups.</p>}
      {rows.length > 0 && (
        <table data-ready="groups">
          <thead>
            <tr>
              <th>group</th>
              <th>state</th>
              <th class="num">members</th>
              <th class="num">lag</th>
              <th>topics</th>
              <th class="num">coordinator</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((g) => (
              <tr key={g.groupId}>
                <td>
                  <a href={href('groups', g.groupId)}>{g.groupId}</a>
                </td>
                <td>
                  <span class={`badge state-${g.state.toLowerCase()}`}>{g.state}</span>
                </td>
                <td class="num">{g.members}</td>
                <td class="num">{count(g.lag)}</td>
                <td>{g.topics.join(', ')}</td>
                <td class="num">{g.coordinator >= 0 ? g.coordinator : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
