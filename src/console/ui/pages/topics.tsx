// The topic list: searchable and sortable, long lists rendered by window; and the create dialog
// with every topic config and what it does.
import { useMemo, useState } from 'preact/hooks';
import type { ConfigDoc, SessionInfo, TopicList, TopicRow } from '../../api-types';
import { api } from '../api';
import { ErrorBox, Loading, Modal, Spacer, useAction, useData, useWindow } from '../components';
import { bytes, count, rate, time } from '../format';
import { go, href } from '../router';

type SortKey = 'name' | 'partitions' | 'replicationFactor' | 'sizeBytes' | 'records' | 'recordsPerSec';

const COLUMNS: [SortKey, string, boolean][] = [
  ['name', 'topic', false],
  ['partitions', 'partitions', true],
  ['replicationFactor', 'replication', true],
  ['sizeBytes', 'size', true],
  ['records', 'records', true],
  ['recordsPerSec', 'records/s', true],
];

export function TopicsPage({ session }: { session: SessionInfo }) {
  const { data, error, reload } = useData<TopicList>('/api/topics', session.refreshMs);
  const [search, setSearch] = useState('');
  const [internal, setInternal] = useState(false);
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'name', desc: false });
  const [creating, setCreating] = useState(false);
  const rows = useMemo(() => {
    const needle = search.trim().toLowerCase();
    const list = (data?.topics ?? []).filter(
      (t) => (internal || !t.internal) && (!needle || t.name.toLowerCase().includes(needle)),
    );
    const k = sort.key;
    const sign = sort.desc ? -1 : 1;
    return list.sort((a, b) => {
      const x = a[k] ?? -1;
      const y = b[k] ?? -1;
      return (x < y ? -1 : x > y ? 1 : 0) * sign;
    });
  }, [data, search, internal, sort]);
  const win = useWindow(rows.length);
  return (
    <section>
      <div class="title-row">
        <h1>Topics</h1>
        {!session.readOnly && (
          <button type="button" class="primary" onClick={() => setCreating(true)}>
            Create topic
          </button>
        )}
      </div>
      <div class="toolbar">
        <input
          type="search"
          placeholder="Search topics"
          aria-label="Search topics"
          value={search}
          onInput={(e) => setSearch(e.currentTarget.value)}
        />
        <label class="check">
          <input type="checkbox" checked={internal} onChange={(e) => setInternal(e.currentTarget.checked)} />{' '}
          internal topics
        </label>
        {data && (
          <span class="muted">
            {count(rows.length)} of {count(data.topics.length)} topics, {count(data.partitions)} partitions,
            as of {time(data.sampledAtMs).slice(11, 19)}
          </span>
        )}
      </div>
      <ErrorBox error={error} />
      {!data && !error && <Loading what="topics" />}
      {data && (
        <div class="scroll" ref={win.box} onScroll={win.onScroll} data-ready="topics" data-rows={rows.length}>
          <table class="topics">
            <thead>
              <tr>
                {COLUMNS.map(([k, label, num]) => (
                  <th
                    key={k}
                    class={num ? 'num sortable' : 'sortable'}
                    onClick={() => setSort({ key: k, desc: sort.key === k ? !sort.desc : num })}
                  >
                    {label}
                    {sort.key === k ? (sort.desc ? ' ▾' : ' ▴') : ''}
                  </th>
                ))}
                <th>health</th>
              </tr>
            </thead>
            <tbody>
              <Spacer rows={win.first} columns={7} />
              {rows.slice(win.first, win.last).map((t) => (
                <TopicLine key={t.name} t={t} />
              ))}
              <Spacer rows={rows.length - win.last} columns={7} />
            </tbody>
          </table>
        </div>
      )}
      {creating && (
        <CreateTopic
          onClose={() => setCreating(false)}
          onCreated={(name) => {
            setCreating(false);
            reload();
            go('topics', name);
          }}
        />
      )}
    </section>
  );
}

function TopicLine({ t }: { t: TopicRow }) {
  return (
    <tr>
      <td>
        <a href={href('topics', t.name)}>{t.name}</a>
        {t.internal && <span class="badge">internal</span>}
      </td>
      <td class="num">{t.partitions}</td>
      <td class="num">{t.replicationFactor}</td>
      <td class="num">{bytes(t.sizeBytes)}</td>
      <td class="num">{count(t.records)}</td>
      <td class="num">{rate(t.recordsPerSec)}</td>
      <td>
        {t.offline > 0 ? (
          <span class="badge bad">{t.offline} offline</span>
        ) : t.underReplicated > 0 ? (
          <span class="badge warn">{t.underReplicated} under-replicated</span>
        ) : (
          <span class="badge ok">ok</span>
        )}
      </td>
    </tr>
  );
}

function CreateTopic({ onClose, onCreated }: { onClose: () => void; onCreated: (name: string) => void }) {
  const docs = useData<ConfigDoc[]>('/api/topic-configs');
  const [name, setName] = useState('');
  const [partitions, setPartitions] = useState('1');
  const [rf, setRf] = useState('');
  const [configs, setConfigs] = useState<{ name: string; value: string }[]>([]);
  const act = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = {
      name,
      partitions: partitions || undefined,
      replicationFactor: rf || undefined,
      configs: Object.fromEntries(configs.filter((c) => c.name).map((c) => [c.name, c.value])),
    };
    if (await act.run(() => api('/api/topics', { method: 'POST', body }))) onCreated(name);
  };
  const setConfig = (i: number, patch: Partial<{ name: string; value: string }>) =>
    setConfigs(configs.map((c, j) => (j === i ? { ...c, ...patch } : c)));
  return (
    <Modal title="Create topic" onClose={onClose} wide>
      <form onSubmit={submit} class="form">
        <label>
          Name
          <input name="name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <div class="row">
          <label>
            Partitions
            <input
              name="partitions"
              type="number"
              min="1"
              value={partitions}
              onInput={(e) => setPartitions(e.currentTarget.value)}
            />
          </label>
          <label>
            Replication factor
            <input
              name="replicationFactor"
              type="number"
              min="1"
              placeholder="broker default"
              value={rf}
              onInput={(e) => setRf(e.currentTarget.value)}
            />
          </label>
        </div>
        <h3>Configs</h3>
        {configs.map((c, i) => {
          const doc = docs.data?.find((d) => d.name === c.name);
          return (
            <div class="config-row" key={i}>
              <select
                aria-label="config name"
                value={c.name}
                onChange={(e) => setConfig(i, { name: e.currentTarget.value })}
              >
                <option value="">choose a config…</option>
                {(docs.data ?? []).map((d) => (
                  <option key={d.name} value={d.name}>
                    {d.name}
                  </option>
                ))}
              </select>
              <input
                aria-label="config value"
                placeholder={doc?.default ?? 'value'}
                value={c.value}
                onInput={(e) => setConfig(i, { value: e.currentTarget.value })}
              />
              <button
                type="button"
                class="icon"
                aria-label="Remove config"
                onClick={() => setConfigs(configs.filter((_, j) => j !== i))}
              >
                ×
              </button>
              {doc && <ConfigHelp doc={doc} />}
            </div>
          );
        })}
        <button type="button" onClick={() => setConfigs([...configs, { name: '', value: '' }])}>
          Add config
        </button>
        <ErrorBox error={act.error} />
        <div class="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={act.busy}>
            Create
          </button>
        </div>
      </form>
    </Modal>
  );
}

export function ConfigHelp({ doc }: { doc: ConfigDoc }) {
  const range = doc.min !== null || doc.max !== null ? ` Range: ${doc.min ?? '…'} to ${doc.max ?? '…'}.` : '';
  const valid = doc.validValues ? ` Values: ${doc.validValues.join(', ')}.` : '';
  return (
    <p class="help">
      {doc.doc}{' '}
      <span class="muted">
        ({doc.type}, default {doc.default ?? 'none'}.{range}
        {valid})
      </span>
    </p>
  );
}
