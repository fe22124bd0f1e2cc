// The message browser of a topic: a partition or all, from the oldest, an offset, a time or the
// newest N; filter on key or value; keys, values and headers as text, JSON, hex or base64; a live
// tail (server-sent events); and a form to produce a record. Record bytes only ever reach the page
// as text nodes.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { BrowseFrom, ProduceResult, RecordPage, SessionInfo, ShownRecord } from '../../api-types';
import { api, enc } from '../api';
import { ErrorBox, useAction } from '../components';
import { type ByteFormat, bytes, showBytes, time } from '../format';

const TAIL_SHOWN_MAX = 500;

interface Query {
  partition: string;
  from: BrowseFrom;
  value: string;
  limit: string;
  filter: string;
  in: 'both' | 'key' | 'value';
}

function queryString(q: Query, cursor?: Record<number, number>): string {
  const p = new URLSearchParams({ partition: q.partition, from: q.from, limit: q.limit || '100', in: q.in });
  if (q.from === 'offset') p.set('value', q.value || '0');
  if (q.from === 'timestamp') p.set('value', String(new Date(q.value).getTime() || 0));
  if (q.filter) p.set('filter', q.filter);
  if (cursor) p.set('cursor', JSON.stringify(cursor));
  return p.toString();
}

export function MessagesTab({
  topic,
  partitions,
  session,
}: {
  topic: string;
  partitions: number;
  session: SessionInfo;
}) {
  const [q, setQ] = useState<Query>({
    partition: 'all',
    from: 'newest',
    value: '',
    limit: '100',
    filter: '',
    in: 'both',
  });
  const [format, setFormat] = useState<ByteFormat>('text');
  const [page, setPage] = useState<RecordPage | null>(null);
  const [loads, setLoads] = useState(0);
  const [records, setRecords] = useState<ShownRecord[]>([]);
  const [tailing, setTailing] = useState(false);
  const [producing, setProducing] = useState(false);
  const act = useAction();
  const load = (cursor?: Record<number, number>) =>
    act.run(async () => {
      const p = await api<RecordPage>(`/api/topics/${enc(topic)}/records?${queryString(q, cursor)}`);
      setPage(p);
      setRecords((old) => (cursor ? [...old, ...p.records] : p.records));
      setLoads((n) => n + 1);
    });
  useEffect(() => {
    load();
  }, [topic]);
  useEffect(() => {
    if (!tailing) return;
    const p = new URLSearchParams({ partition: q.partition, in: q.in });
    if (q.filter) p.set('filter', q.filter);
    const source = new EventSource(`/api/topics/${enc(topic)}/tail?${p}`);
    source.addEventListener('records', (e) => {
      const fresh = JSON.parse((e as MessageEvent).data) as ShownRecord[];
      setRecords((old) => [...fresh.reverse(), ...old].slice(0, TAIL_SHOWN_MAX));
    });
    source.addEventListener('failed', (e) =>
      act.run(() => Promise.reject(new Error((e as MessageEvent).data))),
    );
    return () => source.close();
  }, [tailing, topic, q.partition, q.filter, q.in]);
  const set = (patch: Partial<Query>) => setQ({ ...q, ...patch });
  return (
    <div>
      <form
        class="toolbar wrap"
        onSubmit={(e) => {
          e.preventDefault();
          setTailing(false);
          load();
        }}
      >
        <select
          aria-label="partition"
          value={q.partition}
          onChange={(e) => set({ partition: e.currentTarget.value })}
        >
          <option value="all">all partitions</option>
          {Array.from({ length: partitions }, (_, i) => (
            <option key={i} value={String(i)}>
              partition {i}
            </option>
          ))}
        </select>
        <select
          aria-label="from"
          value={q.from}
          onChange={(e) => set({ from: e.currentTarget.value as BrowseFrom })}
        >
          <option value="newest">newest</option>
          <option value="oldest">oldest</option>
          <option value="offset">from offset</option>
          <option value="timestamp">from time</option>
        </select>
        {q.from === 'offset' && (
          <input
            aria-label="offset"
            type="number"
            min="0"
            value={q.value}
            onInput={(e) => set({ value: e.currentTarget.value })}
          />
        )}
        {q.from === 'timestamp' && (
          <input
            aria-label="time"
            type="datetime-local"
            step="1"
            value={q.value}
            onInput={(e) => set({ value: e.currentTarget.value })}
          />
        )}
        <input
          aria-label="limit"
          class="narrow"
          type="number"
          min="1"
          max="500"
          value={q.limit}
          onInput={(e) => set({ limit: e.currentTarget.value })}
        />
        <input
          aria-label="filter"
          type="search"
          placeholder="filter text"
          value={q.filter}
          onInput={(e) => set({ filter: e.currentTarget.value })}
        />
        <select
          aria-label="filter in"
          value={q.in}
          onChange={(e) => set({ in: e.currentTarget.value as Query['in'] })}
        >
          <option value="both">in key or value</option>
          <option value="key">in key</option>
          <option value="value">in value</option>
        </select>
        <button type="submit" class="primary">
          Show
        </button>
        <button
          type="button"
          class={tailing ? 'active' : ''}
          aria-pressed={tailing}
          onClick={() => setTailing(!tailing)}
        >
          {tailing ? 'Stop live tail' : 'Live tail'}
        </button>
        <select
          aria-label="format"
          value={format}
          onChange={(e) => setFormat(e.currentTarget.value as ByteFormat)}
        >
          <option value="text">text</option>
          <option value="json">JSON</option>
          <option value="hex">hex</option>
          <option value="base64">base64</option>
        </select>
        {!session.readOnly && (
          <button type="button" onClick={() => setProducing(!producing)}>
            Produce
          </button>
        )}
      </form>
      {producing && (
        <ProduceForm
          topic={topic}
          partitions={partitions}
          onProduced={() => {
            if (!tailing) load();
          }}
        />
      )}
      <ErrorBox error={act.error} />
      <p class="muted">
        {tailing
          ? `Live: ${records.length} record(s), newest first`
          : page &&
            `${records.length} record(s)${q.filter ? `, ${page.scanned} looked at` : ''} in ${page.elapsedMs} ms`}
      </p>
      <RecordTable records={records} format={format} ready={!act.busy && page !== null} loads={loads} />
      {page?.more && !tailing && (
        <button type="button" onClick={() => load(page.next)} disabled={act.busy}>
          Load more
        </button>
      )}
    </div>
  );
}

function RecordTable({
  records,
  format,
  ready,
  loads,
}: {
  records: ShownRecord[];
  format: ByteFormat;
  ready: boolean;
  loads: number;
}) {
  const [open, setOpen] = useState<string | null>(null);
  return (
    <table
      class="records"
      data-ready={ready ? 'records' : undefined}
      data-rows={records.length}
      data-loads={loads}
    >
      <thead>
        <tr>
          <th class="num">partition</th>
          <th class="num">offset</th>
          <th>time</th>
          <th>key</th>
          <th>value</th>
          <th class="num">size</th>
        </tr>
      </thead>
      <tbody>
        {records.map((r) => {
          const id = `${r.partition}:${r.offset}`;
          return [
            <tr key={id} class="record" onClick={() => setOpen(open === id ? null : id)}>
              <td class="num">{r.partition}</td>
              <td class="num">{r.offset}</td>
              <td class="nowrap">{time(r.timestamp)}</td>
              <td class="mono cut">{showBytes(r.key, format === 'json' ? 'text' : format)}</td>
              <td class="mono cut value">{showBytes(r.value, format)}</td>
              <td class="num">{bytes(Math.max(0, r.valueBytes))}</td>
            </tr>,
            open === id && (
              <tr key={`${id}-open`} class="detail">
                <td colSpan={6}>
                  <RecordDetail r={r} format={format} />
                </td>
              </tr>
            ),
          ];
        })}
      </tbody>
    </table>
  );
}

function RecordDetail({ r, format }: { r: ShownRecord; format: ByteFormat }) {
  const cut = (shown: string | null, size: number) =>
    shown !== null && size > (shown.length * 3) / 4 + 2 ? ` (first bytes of ${bytes(size)})` : '';
  return (
    <div class="record-detail">
      <div class="muted">
        {r.timestampType} {time(r.timestamp)}
      </div>
      <h4>Key{cut(r.key, r.keyBytes)}</h4>
      <pre>{showBytes(r.key, format)}</pre>
      <h4>Value{cut(r.value, r.valueBytes)}</h4>
      <pre>{showBytes(r.value, format)}</pre>
      <h4>Headers</h4>
      {r.headers.length === 0 ? (
        <div class="muted">none</div>
      ) : (
        <table>
          <tbody>
            {r.headers.map((h, i) => (
              <tr key={i}>
                <td class="mono">{h.key}</td>
                <td class="mono">{showBytes(h.value, format)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function ProduceForm({
  topic,
  partitions,
  onProduced,
}: {
  topic: string;
  partitions: number;
  onProduced: () => void;
}) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [partition, setPartition] = useState('');
  const [headers, setHeaders] = useState<{ key: string; value: string }[]>([]);
  const [done, setDone] = useState<ProduceResult | null>(null);
  const act = useAction();
  const valueBox = useRef<HTMLTextAreaElement>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setDone(null);
    await act.run(async () => {
      const r = await api<ProduceResult>(`/api/topics/${enc(topic)}/records`, {
        method: 'POST',
        body: { key, value, headers, partition: partition === '' ? undefined : partition },
      });
      setDone(r);
      onProduced();
    });
  };
  return (
    <form class="form produce" onSubmit={submit} aria-label="produce a record">
      <div class="row">
        <label>
          Key
          <input name="key" placeholder="none" value={key} onInput={(e) => setKey(e.currentTarget.value)} />
        </label>
        <label>
          Partition
          <select name="partition" value={partition} onChange={(e) => setPartition(e.currentTarget.value)}>
            <option value="">by key (or spread)</option>
            {Array.from({ length: partitions }, (_, i) => (
              <option key={i} value={String(i)}>
                {i}
              </option>
            ))}
          </select>
        </label>
      </div>
      <label>
        Value
        <textarea
          name="value"
          rows={4}
          ref={valueBox}
          value={value}
          onInput={(e) => setValue(e.currentTarget.value)}
        />
      </label>
      {headers.map((h, i) => (
        <div class="row" key={i}>
          <input
            aria-label="header key"
            placeholder="header"
            value={h.key}
            onInput={(e) =>
              setHeaders(headers.map((x, j) => (j === i ? { ...x, key: e.currentTarget.value } : x)))
            }
          />
          <input
            aria-label="header value"
            placeholder="value"
            value={h.value}
            onInput={(e) =>
              setHeaders(headers.map((x, j) => (j === i ? { ...x, value: e.currentTarget.value } : x)))
            }
          />
          <button
            type="button"
            class="icon"
            aria-label="Remove header"
            onClick={() => setHeaders(headers.filter((_, j) => j !== i))}
          >
            ×
          </button>
        </div>
      ))}
      <div class="actions">
        <button type="button" onClick={() => setHeaders([...headers, { key: '', value: '' }])}>
          Add header
        </button>
        <button type="submit" class="primary" disabled={act.busy}>
          Send
        </button>
      </div>
      <ErrorBox error={act.error} />
      {done && (
        <p class="ok-text" role="status">
          Written to partition {done.partition} at offset {done.offset}.
        </p>
      )}
    </form>
  );
}
