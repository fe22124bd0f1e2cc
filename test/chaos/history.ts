// The history of one chaos run: every send, acknowledgement, failure, read and commit of every client,
// and every fault and phase of the lab, one JSON object per line. Workers append their own file with a
// synchronous write per event, so an event is on disk before the operation it announces is issued and
// survives the worker's SIGKILL; the lab merges the files by time before checking.
import { closeSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterLayout } from './layout.js';

/** Wall-clock milliseconds with sub-millisecond precision (comparable across the lab's processes). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

interface Base {
  /** When it happened (nowMs). */
  t: number;
  /** Who: a worker name (`p1`, `kj1`, `c1`, ...), `lab`, or a drain reader (`drain-samsa`, `drain-kcat`). */
  w: string;
}

/** A producer asked its client to send value `v` to partition `p`. */
export interface SendEvent extends Base {
  type: 'send';
  p: number;
  v: string;
}

/** The client acknowledged `v` at offset `o` (`t0`: when it was sent). */
export interface AckEvent extends Base {
  type: 'ack';
  p: number;
  v: string;
  o: number;
  t0: number;
}

/**
 * The client reported the send of `v` failed. `definite`: it cannot have been written (refused before
 * any request left); otherwise the outcome is unknown, as after a timeout (Jepsen's `info`).
 */
export interface FailEvent extends Base {
  type: 'fail';
  p: number;
  v: string;
  err: string;
  definite: boolean;
  t0: number;
}

/** A consumer read `v` at offset `o` of partition `p` (`g`: its group; drains have none). */
export interface ReadEvent extends Base {
  type: 'read';
  p: number;
  o: number;
  v: string;
  g?: string;
}

/** A commit of offset `o` (the next offset to read) for partition `p` of group `g` completed. */
export interface CommitEvent extends Base {
  type: 'commit';
  g: string;
  p: number;
  o: number;
  ok: boolean;
  err?: string;
  /** When the commit was issued. */
  t0: number;
}

/** The group's committed offset as the lab fetched it after every member stopped (-1: none). */
export interface CommittedEvent extends Base {
  type: 'committed';
  g: string;
  p: number;
  o: number;
}

/** A drain reader finished partition `p`: it meant to read up to `end` (exclusive) and did, or not. */
export interface DrainEndEvent extends Base {
  type: 'drain-end';
  p: number;
  end: number;
  complete: boolean;
  detail?: string;
}

/** A fault began or ended. `id` pairs the two. */
export interface FaultEvent extends Base {
  type: 'fault';
  id: number;
  kind: string;
  target: string;
  phase: 'start' | 'end';
}

/** A node process changed state. */
export interface NodeEvent extends Base {
  type: 'node';
  node: number;
  state:
    | 'started'
    | 'ready'
    | 'killed'
    | 'stopped'
    | 'paused'
    | 'resumed'
    | 'exited'
    | 'disk-full'
    | 'disk-freed';
  detail?: string;
}

/** The lab entered a phase of the run. */
export interface PhaseEvent extends Base {
  type: 'phase';
  name: 'setup' | 'workload' | 'heal' | 'recovered' | 'stop' | 'drain' | 'done';
}

/** A worker process started, crashed, left or failed. */
export interface WorkerEvent extends Base {
  type: 'worker';
  state: 'started' | 'killed' | 'stopping' | 'exited' | 'error';
  detail?: string;
}

/** The cluster as it described itself: after the topic was created, and after the faults healed. */
export interface LayoutEvent extends Base {
  type: 'layout';
  when: 'created' | 'healed';
  layout: ClusterLayout;
}

/** The run's configuration: what the checker may expect (first line of a merged history). */
export interface MetaEvent extends Base {
  type: 'meta';
  config: RunConfig;
}

export type HistoryEvent =
  | SendEvent
  | AckEvent
  | FailEvent
  | ReadEvent
  | CommitEvent
  | CommittedEvent
  | DrainEndEvent
  | FaultEvent
  | NodeEvent
  | PhaseEvent
  | WorkerEvent
  | LayoutEvent
  | MetaEvent;

/** What a run promised its clients, from which the checker derives the guarantees it checks. */
export interface RunConfig {
  seed: number;
  workload: string;
  topic: string;
  partitions: number;
  /** Nodes the lab started (0: an external cluster given by --bootstrap). */
  nodes: number;
  replicationFactor: number;
  minInsyncReplicas: number;
  /** -1 (all), 1 or 0. */
  acks: number;
  idempotence: boolean;
  /** Whether the broker fsyncs every write (flush.messages=1); Kafka's default is not to. */
  fsyncEachWrite: boolean;
  faults: string[];
  durationMs: number;
  /** SAMSA_CHAOS_UNSAFE given to the brokers, if any. */
  unsafe: string | null;
  bootstrap: string | null;
  clients: string[];
  startedAt: number;
}

/** Appends events to a JSON-lines file, one synchronous write per event. */
export class HistoryWriter {
  private fd: number;

  constructor(
    readonly path: string,
    readonly who: string,
  ) {
    this.fd = openSync(path, 'a');
  }

  /** Writes the event with this writer's name and the current time (unless given). */
  record<E extends HistoryEvent>(event: Omit<E, 't' | 'w'> & { t?: number }): void {
    const full = { t: event.t ?? nowMs(), w: this.who, ...event };
    writeSync(this.fd, `${JSON.stringify(full)}\n`);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** Parses JSON lines; a torn last line (a worker killed mid-write) is skipped. */
export function parseHistory(text: string): HistoryEvent[] {
  const out: HistoryEvent[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    try {
      out.push(JSON.parse(line) as HistoryEvent);
    } catch {
      // Only a worker's last line can be torn, and it is one the worker never completed.
    }
  }
  return out;
}

/** Reads every `*.jsonl` file of a directory and merges the events by time (stable). */
export function readHistoryDir(dir: string): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.jsonl')) continue;
    events.push(...parseHistory(readFileSync(join(dir, name), 'utf8')));
  }
  return sortByTime(events);
}

export function sortByTime(events: HistoryEvent[]): HistoryEvent[] {
  return events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.t - b.e.t || a.i - b.i)
    .map((x) => x.e);
}

export function toJsonLines(events: readonly HistoryEvent[]): string {
  return events.map((e) => JSON.stringify(e)).join('\n') + (events.length ? '\n' : '');
}
