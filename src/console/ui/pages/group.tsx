// A consumer group: members, lag per partition in records and seconds, total lag over time, offset
// resets planned and shown before they are applied, and deletion.
import { useState } from 'preact/hooks';
import type { GroupDetail, ResetPlan, ResetTo, SessionInfo } from '../../api-types';
import { api, enc } from '../api';
import { Confirm, ErrorBox, LagChart, Loading, Stat, useAction, useData } from '../components';
import { count, seconds } from '../format';
import { go, href } from '../router';

export function GroupPage({ groupId, session }: { groupId: string; session: SessionInfo }) {
  const { data, error, reload } = useData<GroupDetail>(`/api/groups/${enc(groupId)}`, session.refreshMs);
  const [deleting, setDeleting] = useState(false);
  return (
    <section>
      <div class="title-row">
        <h1>
          <a href={href('groups')}>Consumer groups</a> / {groupId}
        </h1>
        {!session.readOnly && (
          <button type="button" class="danger" onClick={() => setDeleting(true)}>
            Delete group
          </button>
        )}
      </div>
      <ErrorBox error={error} />
      {!data && !error && <Loading what="the group" />}
      {data && (
        <>
          <div class="stats">
            <Stat label="state" value={data.state} />
            <Stat label="members" value={data.members.length} />
            <Stat
              label="total lag"
              value={<span data-lag={data.lag}>{count(data.lag)}</span>}
              warn={data.lag > 0}
            />
            <Stat label="coordinator" value={data.coordinator} />
          </div>
          <h2>Lag over time</h2>
          <LagChart points={data.history} />
          <h2>Partitions</h2>
          <table data-ready="group">
            <thead>
              <tr>
                <th>topic</th>
                <th class="num">partition</th>
                <th class="num">committed</th>
                <th class="num">end</th>
                <th class="num">lag</th>
                <th class="num">lag (time)</th>
                <th>member</th>
              </tr>
            </thead>
            <tbody>
              {data.partitions.map((p) => (
                <tr key={`${p.topic}-${p.partition}`}>
                  <td>
                    <a href={href('topics', p.topic)}>{p.topic}</a>
                  </td>
                  <td class="num">{p.partition}</td>
                  <td class="num">{count(p.committed)}</td>
                  <td class="num">{count(p.latest)}</td>
                  <td class="num">{count(p.lag)}</td>
                  <td class="num">{seconds(p.lagSeconds)}</td>
                  <td class="mono cut">{p.clientId ? `${p.clientId} (${p.host})` : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {data.members.length > 0 && <Members g={data} />}
          {!session.readOnly && <Reset g={data} onApplied={reload} />}
        </>
      )}
      {deleting && (
        <Confirm
          title="Delete group"
          text={`Delete ${groupId} and its committed offsets? Only a group without members can be deleted.`}
          action="Delete"
          onClose={() => setDeleting(false)}
          onConfirm={async () => {
            await api(`/api/groups/${enc(groupId)}`, { method: 'DELETE' });
            go('groups');
          }}
        />
      )}
    </section>
  );
}

function Members({ g }: { g: GroupDetail }) {
  return (
    <>
      <h2>Members</h2>
      <table>
        <thead>
          <tr>
            <th>client</th>
            <th>host</th>
            <th>member id</th>
            <th>partitions</th>
          </tr>
        </thead>
        <tbody>
          {g.members.map((m) => (
            <tr key={m.memberId}>
              <td>{m.clientId}</td>
              <td>{m.host}</td>
              <td class="mono cut">{m.memberId}</td>
              <td>{m.assignment.join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

const NEEDS_VALUE: Record<ResetTo, string | null> = {
  earliest: null,
  latest: null,
  timestamp: 'time',
  offset: 'offset',
  shift: 'shift by (records, negative goes back)',
};

function Reset({ g, onApplied }: { g: GroupDetail; onApplied: () => void }) {
  const topics = [...new Set(g.partitions.map((p) => p.topic))];
  const [chosen, setChosen] = useState<string[]>(topics);
  const [to, setTo] = useState<ResetTo>('earliest');
  const [value, setValue] = useState('');
  const [plan, setPlan] = useState<ResetPlan | null>(null);
  const [applied, setApplied] = useState(false);
  const act = useAction();
  const body = () => ({
    topics: chosen,
    to,
    value: to === 'timestamp' ? new Date(value).getTime() : value === '' ? undefined : Number(value),
  });
  const preview = () =>
    act.run(async () => {
      setApplied(false);
      setPlan(
        await api<ResetPlan>(`/api/groups/${enc(g.groupId)}/reset-preview`, { method: 'POST', body: body() }),
      );
    });
  const apply = () =>
    act.run(async () => {
      await api(`/api/groups/${enc(g.groupId)}/reset`, { method: 'POST', body: body() });
      setPlan(null);
      setApplied(true);
      onApplied();
    });
  return (
    <section class="panel" aria-label="reset offsets">
      <h2>Reset offsets</h2>
      <div class="toolbar wrap">
        {topics.map((t) => (
          <label class="check" key={t}>
            <input
              type="checkbox"
              checked={chosen.includes(t)}
              onChange={(e) =>
                setChosen(e.currentTarget.checked ? [...chosen, t] : chosen.filter((x) => x !== t))
              }
            />{' '}
            {t}
          </label>
        ))}
        <select
          aria-label="reset to"
          value={to}
          onChange={(e) => {
            setTo(e.currentTarget.value as ResetTo);
            setPlan(null);
          }}
        >
          <option value="earliest">to earliest</option>
          <option value="latest">to latest</option>
          <option value="timestamp">to a time</option>
          <option value="offset">to an offset</option>
          <option value="shift">shift by</option>
        </select>
        {NEEDS_VALUE[to] && (
          <input
            aria-label={NEEDS_VALUE[to] as string}
            placeholder={NEEDS_VALUE[to] as string}
            type={to === 'timestamp' ? 'datetime-local' : 'number'}
            step={to === 'timestamp' ? '1' : undefined}
            value={value}
            onInput={(e) => {
              setValue(e.currentTarget.value);
              setPlan(null);
            }}
          />
        )}
        <button type="button" onClick={preview} disabled={act.busy || chosen.length === 0}>
          Preview
        </button>
      </div>
      <ErrorBox error={act.error} />
      {applied && (
        <p class="ok-text" role="status">
          Offsets reset.
        </p>
      )}
      {plan && (
        <div class="plan" data-ready="plan">
          {plan.blocked && <div class="error">{plan.blocked}</div>}
          <table>
            <thead>
              <tr>
                <th>topic</th>
                <th class="num">partition</th>
                <th class="num">current</th>
                <th class="num">new</th>
                <th class="num">lag after</th>
              </tr>
            </thead>
            <tbody>
              {plan.rows.map((r) => (
                <tr key={`${r.topic}-${r.partition}`}>
                  <td>{r.topic}</td>
                  <td class="num">{r.partition}</td>
                  <td class="num">{count(r.current)}</td>
                  <td class="num">{count(r.target)}</td>
                  <td class="num">{count(r.lagAfter)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="button" class="primary" onClick={apply} disabled={act.busy || plan.blocked !== null}>
            Apply reset
          </button>
        </div>
      )}
    </section>
  );
}
