// A topic: its partitions (leader, replicas, ISR, offsets), messages, configs and the groups that
// read it; add partitions, edit configs, delete.
import { useState } from 'preact/hooks';
import type { ConfigDoc, ConfigRow, SessionInfo, TopicDetail } from '../../api-types';
import { api, enc } from '../api';
import { Confirm, ErrorBox, Loading, Modal, Stat, useAction, useData } from '../components';
import { bytes, count } from '../format';
import { go, href } from '../router';
import { MessagesTab } from './messages';
import { ConfigHelp } from './topics';

const TABS: [string, string][] = [
  ['partitions', 'Partitions'],
  ['messages', 'Messages'],
  ['configs', 'Configs'],
  ['groups', 'Consumer groups'],
];

export function TopicPage({ name, tab, session }: { name: string; tab: string; session: SessionInfo }) {
  const { data, error, reload } = useData<TopicDetail>(
    `/api/topics/${enc(name)}`,
    tab === 'messages' ? undefined : session.refreshMs,
  );
  const [dialog, setDialog] = useState<'partitions' | 'delete' | null>(null);
  return (
    <section>
      <div class="title-row">
        <h1>
          <a href={href('topics')}>Topics</a> / {name}
        </h1>
        {!session.readOnly && data && !data.internal && (
          <div class="buttons">
            <button type="button" onClick={() => setDialog('partitions')}>
              Add partitions
            </button>
            <button type="button" class="danger" onClick={() => setDialog('delete')}>
              Delete topic
            </button>
          </div>
        )}
      </div>
      <ErrorBox error={error} />
      {data && (
        <div class="stats">
          <Stat label="partitions" value={data.partitions.length} />
          <Stat label="replication" value={data.partitions[0]?.replicas.length ?? 0} />
          <Stat label="records" value={count(data.records)} />
          <Stat label="size" value={bytes(data.sizeBytes)} />
          <Stat label="groups" value={data.groups.length} />
        </div>
      )}
      <nav class="tabs">
        {TABS.map(([id, label]) => (
          <a key={id} href={href('topics', name, id)} class={tab === id ? 'active' : ''}>
            {label}
          </a>
        ))}
      </nav>
      {!data && !error && <Loading what="the topic" />}
      {data && tab === 'partitions' && <Partitions t={data} />}
      {data && tab === 'messages' && (
        <MessagesTab topic={name} partitions={data.partitions.length} session={session} />
      )}
      {data && tab === 'configs' && <Configs t={data} session={session} onChanged={reload} />}
      {data && tab === 'groups' && <Groups t={data} />}
      {dialog === 'partitions' && data && (
        <AddPartitions t={data} onClose={() => setDialog(null)} onDone={reload} />
      )}
      {dialog === 'delete' && (
        <Confirm
          title="Delete topic"
          text={`Delete ${name} and every record in it? This cannot be undone.`}
          action="Delete"
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await api(`/api/topics/${enc(name)}`, { method: 'DELETE' });
            go('topics');
          }}
        />
      )}
    </section>
  );
}

function Partitions({ t }: { t: TopicDetail }) {
  return (
    <table data-ready="partitions">
      <thead>
        <tr>
          <th class="num">partition</th>
          <th class="num">leader</th>
          <th>replicas</th>
          <th>in sync</th>
          <th class="num">earliest</th>
          <th class="num">latest</th>
          <th class="num">records</th>
          <th class="num">size</th>
        </tr>
      </thead>
      <tbody>
        {t.partitions.map((p) => (
          <tr key={p.partition}>
            <td class="num">{p.partition}</td>
            <td class="num">{p.leader >= 0 ? p.leader : <span class="badge bad">none</span>}</td>
            <td>{p.replicas.join(', ')}</td>
            <td>
              {p.isr.join(', ')}
              {p.isr.length < p.replicas.length && <span class="badge warn">under-replicated</span>}
            </td>
            <td class="num">{count(p.earliest)}</td>
            <td class="num">{count(p.latest)}</td>
            <td class="num">{count(p.latest >= 0 && p.earliest >= 0 ? p.latest - p.earliest : -1)}</td>
            <td class="num">{bytes(p.sizeBytes)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Configs({ t, session, onChanged }: { t: TopicDetail; session: SessionInfo; onChanged: () => void }) {
  const [editing, setEditing] = useState<ConfigRow | null>(null);
  const [onlySet, setOnlySet] = useState(false);
  const rows = t.configs.filter((c) => !onlySet || !c.isDefault);
  return (
    <>
      <label class="check">
        <input type="checkbox" checked={onlySet} onChange={(e) => setOnlySet(e.currentTarget.checked)} /> only
        configs set on this topic
      </label>
      <table class="configs">
        <thead>
          <tr>
            <th>config</th>
            <th>value</th>
            <th>source</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((c) => (
            <tr key={c.name} class={c.isDefault ? '' : 'set'}>
              <td>
                <div class="mono">{c.name}</div>
                {c.doc && <div class="help">{c.doc}</div>}
              </td>
              <td class="mono">{c.sensitive ? '(hidden)' : (c.value ?? 'null')}</td>
              <td>{c.source.replace(/_/g, ' ').toLowerCase()}</td>
              <td>
                {!session.readOnly && !c.readOnly && (
                  <button type="button" class="small" onClick={() => setEditing(c)}>
                    Edit
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {editing && (
        <EditConfig topic={t.name} row={editing} onClose={() => setEditing(null)} onDone={onChanged} />
      )}
    </>
  );
}

function EditConfig(props: { topic: string; row: ConfigRow; onClose: () => void; onDone: () => void }) {
  const docs = useData<ConfigDoc[]>('/api/topic-configs');
  const doc = docs.data?.find((d) => d.name === props.row.name);
  const [value, setValue] = useState(props.row.value ?? '');
  const act = useAction();
  const change = (body: unknown) =>
    act
      .run(() => api(`/api/topics/${enc(props.topic)}/configs`, { method: 'POST', body }))
      .then((ok) => {
        if (ok) {
          props.onDone();
          props.onClose();
        }
      });
  return (
    <Modal title={`Edit ${props.row.name}`} onClose={props.onClose}>
      {doc && <ConfigHelp doc={doc} />}
      <form
        class="form"
        onSubmit={(e) => {
          e.preventDefault();
          change({ set: { [props.row.name]: value } });
        }}
      >
        <label>
          Value
          <input name="value" value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        </label>
        <ErrorBox error={act.error} />
        <div class="actions">
          {!props.row.isDefault && (
            <button type="button" onClick={() => change({ remove: [props.row.name] })} disabled={act.busy}>
              Back to default
            </button>
          )}
          <button type="submit" class="primary" disabled={act.busy}>
            Save
          </button>
        </div>
      </form>
    </Modal>
  );
}

function Groups({ t }: { t: TopicDetail }) {
  if (t.groups.length === 0) return <p class="muted">No consumer group reads this topic.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th>group</th>
          <th>state</th>
          <th class="num">lag on this topic</th>
        </tr>
      </thead>
      <tbody>
        {t.groups.map((g) => (
          <tr key={g.groupId}>
            <td>
              <a href={href('groups', g.groupId)}>{g.groupId}</a>
            </td>
            <td>{g.state}</td>
            <td class="num">{count(g.lag)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function AddPartitions({ t, onClose, onDone }: { t: TopicDetail; onClose: () => void; onDone: () => void }) {
  const [total, setTotal] = useState(String(t.partitions.length + 1));
  const act = useAction();
  return (
    <Modal title="Add partitions" onClose={onClose}>
      <form
        class="form"
        onSubmit={async (e) => {
          e.preventDefault();
          if (
            await act.run(() =>
              api(`/api/topics/${enc(t.name)}/partitions`, { method: 'POST', body: { count: total } }),
            )
          ) {
            onDone();
            onClose();
          }
        }}
      >
        <p class="help">
          A topic can only grow. Keys map to partitions by their hash, so records with the same key written
          from now on may land in another partition than before.
        </p>
        <label>
          New total ({t.partitions.length} now)
          <input
            name="count"
            type="number"
            min={t.partitions.length + 1}
            value={total}
            onInput={(e) => setTotal(e.currentTarget.value)}
          />
        </label>
        <ErrorBox error={act.error} />
        <div class="actions">
          <button type="submit" class="primary" disabled={act.busy}>
            Add
          </button>
        </div>
      </form>
    </Modal>
  );
}
