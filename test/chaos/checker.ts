// The queue checker: a TypeScript take on Jepsen's Kafka queue checker, over a recorded history.
// Pure: events in, a verdict out. What it reports, per partition:
//   lost                 acknowledged, yet absent from a complete final read of its partition
//   duplicated           one value at two offsets (a violation only with idempotence on)
//   unexpected           read, yet never sent to that partition (or its send failed before any request)
//   reordered            a producer session's values stored in another order than it sent them
//   inconsistent-offset  one offset holding two values, or a value stored at another offset than acked
//   vanished-read        read during the run (so below the high watermark then), gone from the final log
//   commit-backwards     a group's committed offset moved below one already acknowledged
//   skipped              a group committed past records none of its members read
// The guarantees a configuration promises decide which of these are violations and which are allowed
// (guarantees.ts); a run whose final read did not complete is inconclusive, never a pass.
import { type Guarantees, guaranteesFor, type ViolationKind } from './guarantees.js';
import type {
  AckEvent,
  CommitEvent,
  CommittedEvent,
  DrainEndEvent,
  FailEvent,
  HistoryEvent,
  ReadEvent,
  RunConfig,
  SendEvent,
} from './history.js';

export { VIOLATION_KINDS, type ViolationKind } from './guarantees.js';

export interface Violation {
  kind: ViolationKind;
  message: string;
  /** Where to look: the report shows the events around these. */
  p?: number;
  o?: number;
  v?: string;
  g?: string;
  t?: number;
}

export interface CheckStats {
  sent: number;
  acked: number;
  failedDefinite: number;
  indeterminate: number;
  /** Sends with neither an acknowledgement nor a failure (part of `indeterminate`). */
  unresolved: number;
  /** Failures by error (the text before the first colon). */
  failures: Record<string, number>;
  readLive: number;
  readDrain: Record<string, number>;
  commits: number;
  commitsFailed: number;
}

export interface CheckResult {
  ok: boolean;
  violations: Violation[];
  /** Anomalies the configuration allows (for example duplicates without idempotence), by kind. */
  allowed: Partial<Record<ViolationKind, number>>;
  counts: Partial<Record<ViolationKind, number>>;
  /** Why the run cannot be judged (a drain that did not finish): not a pass. */
  inconclusive: string[];
  stats: CheckStats;
  guarantees: Guarantees;
}

/** The log of one partition as one drain reader saw it. */
interface DrainLog {
  byOffset: Map<number, string>;
  offsetsOf: Map<string, number[]>;
}

interface Indexed {
  config: RunConfig | null;
  sends: Map<string, SendEvent>;
  acks: Map<string, AckEvent>;
  fails: Map<string, FailEvent>;
  liveReads: ReadEvent[];
  drainReads: ReadEvent[];
  commits: CommitEvent[];
  committed: CommittedEvent[];
  /** reader -> partition -> log */
  drains: Map<string, Map<number, DrainLog>>;
  drainEnds: DrainEndEvent[];
}

function isDrainReader(w: string): boolean {
  return w.startsWith('drain-');
}

function index(events: readonly HistoryEvent[]): Indexed {
  const ix: Indexed = {
    config: null,
    sends: new Map(),
    acks: new Map(),
    fails: new Map(),
    liveReads: [],
    drainReads: [],
    commits: [],
    committed: [],
    drains: new Map(),
    drainEnds: [],
  };
  for (const e of events) {
    switch (e.type) {
      case 'meta':
        ix.config = e.config;
        break;
      case 'send':
        ix.sends.set(e.v, e);
        break;
      case 'ack':
        ix.acks.set(e.v, e);
        break;
      case 'fail':
        ix.fails.set(e.v, e);
        break;
      case 'read':
        if (isDrainReader(e.w)) {
          ix.drainReads.push(e);
          addDrainRead(ix, e);
        } else ix.liveReads.push(e);
        break;
      case 'commit':
        ix.commits.push(e);
        break;
      case 'committed':
        ix.committed.push(e);
        break;
      case 'drain-end':
        ix.drainEnds.push(e);
        break;
    }
  }
  return ix;
}

/** The value at `key`, made and stored first when absent. */
export function getOrMake<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}

function addDrainRead(ix: Indexed, e: ReadEvent): void {
  const byPartition = getOrMake(ix.drains, e.w, () => new Map<number, DrainLog>());
  const log = getOrMake(byPartition, e.p, () => ({ byOffset: new Map(), offsetsOf: new Map() }));
  const prior = log.byOffset.get(e.o);
  if (prior === e.v) return; // the same record read twice by one reader (a re-fetch)
  log.byOffset.set(e.o, prior === undefined ? e.v : prior);
  const offsets = log.offsetsOf.get(e.v);
  if (offsets) offsets.push(e.o);
  else log.offsetsOf.set(e.v, [e.o]);
}

/** Partition -> the drain readers whose read of it completed. */
function completeDrains(
  ix: Indexed,
  partitions: number[],
): { complete: Map<number, string[]>; why: string[] } {
  const complete = new Map<number, string[]>();
  const why: string[] = [];
  const readers = new Set([...ix.drainEnds.map((e) => e.w), ...ix.drains.keys()]);
  if (readers.size === 0) why.push('no final read (drain) was recorded');
  for (const p of partitions) complete.set(p, []);
  for (const reader of readers) {
    for (const p of partitions) {
      const end = ix.drainEnds.find((e) => e.w === reader && e.p === p);
      if (end?.complete) complete.get(p)?.push(reader);
      else why.push(`${reader} did not finish partition ${p}${end?.detail ? `: ${end.detail}` : ''}`);
    }
  }
  return { complete, why };
}

function countBy(keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}

/** `${worker}.${session}.${seq}` -> its parts; null for a value the lab did not make. */
export function parseValue(v: string): { producer: string; seq: number } | null {
  const m = /^(.+)\.(\d+)$/.exec(v);
  return m ? { producer: m[1], seq: Number(m[2]) } : null;
}

class Collector {
  readonly violations: Violation[] = [];
  readonly allowed: Partial<Record<ViolationKind, number>> = {};
  private readonly seen = new Set<string>();

  constructor(private readonly guarantees: Guarantees) {}

  add(key: string, v: Violation): void {
    const k = `${v.kind}|${key}`;
    if (this.seen.has(k)) return;
    this.seen.add(k);
    if (this.guarantees.checks[v.kind] === 'checked') this.violations.push(v);
    else this.allowed[v.kind] = (this.allowed[v.kind] ?? 0) + 1;
  }
}

/** Checks a merged history (sorted by time). `config` overrides the history's meta line. */
export function checkHistory(events: readonly HistoryEvent[], config?: RunConfig): CheckResult {
  const ix = index(events);
  const cfg = config ?? ix.config;
  if (!cfg) throw new Error('checkHistory: the history has no meta line and no config was given');
  const guarantees = guaranteesFor(cfg);
  const out = new Collector(guarantees);
  const partitions = Array.from({ length: cfg.partitions }, (_, i) => i);
  const { complete, why } = completeDrains(ix, partitions);

  checkOffsets(ix, out);
  checkDrainLogs(ix, complete, out);
  checkAcks(ix, complete, out);
  checkLiveReads(ix, complete, out);
  checkUnexpected(ix, events, out);
  checkCommits(ix, out);
  checkSkipped(ix, complete, out);

  const counts: Partial<Record<ViolationKind, number>> = {};
  for (const v of out.violations) counts[v.kind] = (counts[v.kind] ?? 0) + 1;
  const readDrain: Record<string, number> = {};
  for (const [reader, logs] of ix.drains) {
    readDrain[reader] = [...logs.values()].reduce((n, l) => n + l.byOffset.size, 0);
  }
  const fails = [...ix.fails.values()];
  const stats: CheckStats = {
    sent: ix.sends.size,
    acked: ix.acks.size,
    failedDefinite: fails.filter((f) => f.definite && !ix.acks.has(f.v)).length,
    indeterminate: [...ix.sends.keys()].filter((v) => !ix.acks.has(v) && !ix.fails.get(v)?.definite).length,
    unresolved: [...ix.sends.keys()].filter((v) => !ix.acks.has(v) && !ix.fails.has(v)).length,
    failures: countBy(fails.map((f) => f.err.split(':')[0])),
    readLive: ix.liveReads.length,
    readDrain,
    commits: ix.commits.filter((c) => c.ok).length,
    commitsFailed: ix.commits.filter((c) => !c.ok).length,
  };
  return {
    ok: out.violations.length === 0 && why.length === 0,
    violations: out.violations,
    allowed: out.allowed,
    counts,
    inconclusive: why,
    stats,
    guarantees,
  };
}

/** One offset, one value: across acknowledgements, live reads and every final read. */
function checkOffsets(ix: Indexed, out: Collector): void {
  const seen = new Map<string, { v: string; from: string; t: number }>();
  const observe = (p: number, o: number, v: string, from: string, t: number) => {
    const key = `${p}:${o}`;
    const first = seen.get(key);
    if (!first) seen.set(key, { v, from, t });
    else if (first.v !== v) {
      out.add(key, {
        kind: 'inconsistent-offset',
        message: `partition ${p} offset ${o} holds ${first.v} (${first.from}) and ${v} (${from})`,
        p,
        o,
        v,
        t,
      });
    }
  };
  for (const a of ix.acks.values()) observe(a.p, a.o, a.v, `acked to ${a.w}`, a.t);
  for (const r of ix.liveReads) observe(r.p, r.o, r.v, `read by ${r.w}`, r.t);
  for (const r of ix.drainReads) observe(r.p, r.o, r.v, `read by ${r.w}`, r.t);
}

/** Within each final log: no value twice, and each producer session's values in the order it sent them. */
function checkDrainLogs(ix: Indexed, complete: Map<number, string[]>, out: Collector): void {
  for (const [reader, logs] of ix.drains) {
    for (const [p, log] of logs) {
      for (const [v, offsets] of log.offsetsOf) {
        if (offsets.length > 1) {
          out.add(`${p}:${v}`, {
            kind: 'duplicated',
            message: `${v} is stored ${offsets.length} times in partition ${p}, at offsets ${offsets.join(', ')} (${reader})`,
            p,
            o: offsets[1],
            v,
          });
        }
      }
      if (!complete.get(p)?.includes(reader)) continue;
      const lastSeq = new Map<string, { seq: number; o: number; v: string }>();
      for (const o of [...log.byOffset.keys()].sort((a, b) => a - b)) {
        const v = log.byOffset.get(o) as string;
        const parsed = parseValue(v);
        if (!parsed) continue;
        const last = lastSeq.get(parsed.producer);
        if (last && parsed.seq < last.seq) {
          out.add(`${p}:${parsed.producer}`, {
            kind: 'reordered',
            message: `partition ${p}: ${v} at offset ${o} comes after ${last.v} at offset ${last.o}, though it was sent first (${reader})${(log.offsetsOf.get(v)?.length ?? 0) > 1 ? '; it is a second copy of a duplicated value' : ''}`,
            p,
            o,
            v,
          });
        }
        if (!last || parsed.seq > last.seq) lastSeq.set(parsed.producer, { seq: parsed.seq, o, v });
      }
    }
  }
}

function checkAcks(ix: Indexed, complete: Map<number, string[]>, out: Collector): void {
  for (const a of ix.acks.values()) {
    const readers = complete.get(a.p) ?? [];
    const missing = readers.filter((r) => !ix.drains.get(r)?.get(a.p)?.offsetsOf.has(a.v));
    if (missing.length > 0) {
      const reader = ix.liveReads.find((r) => r.v === a.v);
      const seen = reader ? ` (${reader.w} had read it)` : '';
      out.add(a.v, {
        kind: 'lost',
        message: `${a.v} was acknowledged at partition ${a.p} offset ${a.o}, but the final read (${missing.join(', ')}) does not have it${seen}`,
        p: a.p,
        o: a.o,
        v: a.v,
        t: a.t,
      });
      continue;
    }
    for (const r of readers) {
      const offsets = ix.drains.get(r)?.get(a.p)?.offsetsOf.get(a.v) ?? [];
      if (!offsets.includes(a.o)) {
        out.add(`${a.p}:${a.o}`, {
          kind: 'inconsistent-offset',
          message: `${a.v} was acknowledged at partition ${a.p} offset ${a.o} but is stored at ${offsets.join(', ')} (${r})`,
          p: a.p,
          o: a.o,
          v: a.v,
          t: a.t,
        });
      }
    }
  }
}

/** Values read during the run must still be there; acknowledged ones are `lost` instead, unsent ones `unexpected`. */
function checkLiveReads(ix: Indexed, complete: Map<number, string[]>, out: Collector): void {
  for (const r of ix.liveReads) {
    if (ix.acks.has(r.v) || ix.sends.get(r.v)?.p !== r.p) continue;
    const readers = complete.get(r.p) ?? [];
    const missing = readers.filter((d) => !ix.drains.get(d)?.get(r.p)?.offsetsOf.has(r.v));
    if (missing.length > 0) {
      out.add(r.v, {
        kind: 'vanished-read',
        message: `${r.w} read ${r.v} at partition ${r.p} offset ${r.o}, but the final read (${missing.join(', ')}) does not have it`,
        p: r.p,
        o: r.o,
        v: r.v,
        t: r.t,
      });
    }
  }
}

/** Every value read must have been sent to that partition, by a send that may have succeeded. */
function checkUnexpected(ix: Indexed, events: readonly HistoryEvent[], out: Collector): void {
  for (const e of events) {
    if (e.type !== 'read') continue;
    const send = ix.sends.get(e.v);
    const fail = ix.fails.get(e.v);
    let why: string | null = null;
    if (!send) why = 'was never sent';
    else if (send.p !== e.p) why = `was sent to partition ${send.p}`;
    else if (fail?.definite && !ix.acks.has(e.v))
      why = `failed definitely (${fail.err}) before any request left`;
    if (why) {
      out.add(`${e.p}:${e.v}`, {
        kind: 'unexpected',
        message: `${e.w} read ${e.v} at partition ${e.p} offset ${e.o}, which ${why}`,
        p: e.p,
        o: e.o,
        v: e.v,
        t: e.t,
      });
    }
  }
}

/**
 * A commit issued after another was acknowledged may not store a lower offset, and what the group
 * holds at the end may not be below any acknowledged commit.
 */
function checkCommits(ix: Indexed, out: Collector): void {
  const byKey = new Map<string, CommitEvent[]>();
  for (const c of ix.commits) {
    if (!c.ok) continue;
    const key = `${c.g}|${c.p}`;
    const list = byKey.get(key);
    if (list) list.push(c);
    else byKey.set(key, [c]);
  }
  for (const [key, list] of byKey) {
    const byAck = [...list].sort((a, b) => a.t - b.t);
    let best: CommitEvent | null = null;
    let i = 0;
    // Walk commits by issue time, folding in every commit acknowledged before each was issued.
    for (const c of [...list].sort((a, b) => a.t0 - b.t0)) {
      while (i < byAck.length && byAck[i].t < c.t0) {
        if (!best || byAck[i].o > best.o) best = byAck[i];
        i++;
      }
      if (best && c.o < best.o) {
        out.add(`${key}|${c.t}`, {
          kind: 'commit-backwards',
          message: `group ${c.g} partition ${c.p}: ${c.w} committed ${c.o} after ${best.w}'s commit of ${best.o} was acknowledged`,
          p: c.p,
          o: c.o,
          g: c.g,
          t: c.t,
        });
      }
    }
  }
  for (const f of ix.committed) {
    const acked = byKey.get(`${f.g}|${f.p}`) ?? [];
    const top = acked.reduce<CommitEvent | null>((m, c) => (!m || c.o > m.o ? c : m), null);
    if (top && f.o < top.o) {
      out.add(`${f.g}|${f.p}|final`, {
        kind: 'commit-backwards',
        message: `group ${f.g} partition ${f.p}: the committed offset is ${f.o} at the end, below the acknowledged commit of ${top.o} by ${top.w}`,
        p: f.p,
        o: f.o,
        g: f.g,
        t: f.t,
      });
    }
  }
}

/** Members commit only what they read, so every stored record below a committed offset was read. */
function checkSkipped(ix: Indexed, complete: Map<number, string[]>, out: Collector): void {
  const readByGroup = new Map<string, Set<number>>();
  for (const r of ix.liveReads) {
    if (r.g === undefined) continue;
    const key = `${r.g}|${r.p}`;
    getOrMake(readByGroup, key, () => new Set<number>()).add(r.o);
  }
  const top = new Map<string, CommitEvent>();
  for (const c of ix.commits) {
    if (!c.ok) continue;
    const key = `${c.g}|${c.p}`;
    const prev = top.get(key);
    if (!prev || c.o > prev.o) top.set(key, c);
  }
  for (const [key, c] of top) {
    const reader = complete.get(c.p)?.[0];
    const log = reader ? ix.drains.get(reader)?.get(c.p) : undefined;
    if (!log) continue;
    const read = readByGroup.get(key) ?? new Set<number>();
    const unread = [...log.byOffset.keys()].filter((o) => o < c.o && !read.has(o)).sort((a, b) => a - b);
    if (unread.length > 0) {
      out.add(key, {
        kind: 'skipped',
        message: `group ${c.g} committed ${c.o} for partition ${c.p} (${c.w}), but no member read ${unread.length} record(s) below it, from offset ${unread[0]}`,
        p: c.p,
        o: unread[0],
        g: c.g,
        t: c.t,
      });
    }
  }
}
