// Workloads: which client processes a run starts and what happens to them.
//   queue   idempotent acks=all producers (Samsa's client and kafkajs) write unique values to every
//           partition while a group of consumers (both clients) reads and commits; a final drain
//   groups  a producer writes while members join, crash (SIGKILL) and leave (SIGTERM) a group on a
//           schedule drawn from the seed; committed offsets are checked
//   txn     the hook for transactional producers and read_committed consumers, once Samsa has them
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Rng } from '../helpers/random.js';
import { track } from './children.js';
import type { HistoryWriter, WorkerEvent } from './history.js';
import type { FaultNet } from './proxy.js';
import type { ClientKind, WorkerSpec } from './worker.js';

const WORKER_JS = join(fileURLToPath(new URL('.', import.meta.url)), 'worker.js');
/** How long a worker told to stop may take before it is killed. */
const WORKER_STOP_MS = 40_000;

export const WORKLOADS = ['queue', 'groups', 'txn'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

interface Running {
  spec: WorkerSpec;
  child: ChildProcess;
  exited: Promise<number | null>;
}

/** The worker processes of a run. */
export class WorkerPool {
  private readonly running = new Map<string, Running>();
  private counters = new Map<string, number>();

  constructor(
    readonly runDir: string,
    readonly historyDir: string,
    readonly base: {
      bootstrap: string;
      topic: string;
      partitions: number;
      acks: number;
      idempotence: boolean;
    },
    readonly net: FaultNet | null,
    readonly lab: HistoryWriter,
  ) {
    mkdirSync(join(runDir, 'workers'), { recursive: true });
  }

  /** A fresh name with this prefix: p1, p2, ... */
  name(prefix: string): string {
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    return `${prefix}${n}`;
  }

  start(spec: Omit<WorkerSpec, 'historyFile' | keyof WorkerPool['base']> & Partial<WorkerSpec>): Running {
    const full: WorkerSpec = {
      ...this.base,
      historyFile: join(this.historyDir, `${spec.name}.jsonl`),
      ...spec,
    } as WorkerSpec;
    const log = createWriteStream(join(this.runDir, 'workers', `${spec.name}.log`), { flags: 'a' });
    const child = track(
      spawn(process.execPath, [WORKER_JS, JSON.stringify(full)], {
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      }),
    );
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => {
        this.net?.processes.delete(full.name);
        resolve(code);
      }),
    );
    if (child.pid && this.net) {
      this.net.processes.set(full.name, child.pid);
      if (full.role !== 'drain') this.net.clientParties.add(full.name);
    }
    const r = { spec: full, child, exited };
    this.running.set(full.name, r);
    void exited.then(() => this.running.delete(full.name));
    return r;
  }

  list(role?: WorkerSpec['role']): Running[] {
    return [...this.running.values()].filter((r) => !role || r.spec.role === role);
  }

  /** A crash: SIGKILL. */
  async kill(name: string): Promise<void> {
    const r = this.running.get(name);
    if (!r) return;
    r.child.kill('SIGKILL');
    await r.exited;
    this.lab.record<WorkerEvent>({ type: 'worker', state: 'killed', detail: name });
  }

  /** A clean stop: SIGTERM, then SIGKILL if it takes too long. */
  async stop(name: string): Promise<void> {
    const r = this.running.get(name);
    if (!r) return;
    r.child.kill('SIGTERM');
    const timer = setTimeout(() => r.child.kill('SIGKILL'), WORKER_STOP_MS);
    await r.exited;
    clearTimeout(timer);
  }

  async stopAll(role?: WorkerSpec['role']): Promise<void> {
    await Promise.all(this.list(role).map((r) => this.stop(r.spec.name)));
  }

  async killAll(): Promise<void> {
    await Promise.all(this.list().map((r) => this.kill(r.spec.name)));
  }
}

export interface WorkloadContext {
  pool: WorkerPool;
  clients: readonly ClientKind[];
  /** Values per second, per producer. */
  rate: number;
  seed: number;
  durationMs: number;
  /** The consumer group (unique per run against an external cluster). */
  group: string;
  /** Aborted when the workload phase ends. */
  signal: AbortSignal;
}

export interface Workload {
  name: WorkloadName;
  /** The consumer group's name (a run against an external cluster adds the seed and time). */
  group: string;
  /** Starts the workers and runs whatever the workload does to its clients until `signal` aborts. */
  run(ctx: WorkloadContext): Promise<void>;
}

const prefix = (role: 'producer' | 'consumer', client: ClientKind) =>
  `${client === 'kafkajs' ? 'k' : ''}${role === 'producer' ? 'p' : 'c'}`;

function startProducers(ctx: WorkloadContext, rate: number): void {
  for (const client of ctx.clients) {
    ctx.pool.start({
      name: ctx.pool.name(prefix('producer', client)),
      role: 'producer',
      client,
      ratePerSec: rate,
    });
  }
}

function startConsumer(ctx: WorkloadContext, client: ClientKind, group: string): void {
  ctx.pool.start({ name: ctx.pool.name(prefix('consumer', client)), role: 'consumer', client, group });
}

const queue: Workload = {
  name: 'queue',
  group: 'chaos-queue',
  async run(ctx) {
    startProducers(ctx, ctx.rate);
    // Two of Samsa's consumers and one of each other client share the group.
    startConsumer(ctx, 'samsa', ctx.group);
    for (const client of ctx.clients) startConsumer(ctx, client, ctx.group);
  },
};

/** Members join, crash and leave every few seconds, between one and four at a time. */
const groups: Workload = {
  name: 'groups',
  group: 'chaos-groups',
  async run(ctx) {
    const rng = new Rng((ctx.seed ^ 0x5bd1e995) >>> 0);
    startProducers(ctx, Math.max(1, Math.floor(ctx.rate / 2)));
    for (const client of ctx.clients) startConsumer(ctx, client, ctx.group);
    while (!ctx.signal.aborted) {
      await sleep(rng.int(1500, 5000), undefined, { signal: ctx.signal }).catch(() => {});
      if (ctx.signal.aborted) break;
      const members = ctx.pool.list('consumer');
      const action =
        members.length <= 1
          ? 'join'
          : members.length >= 4
            ? rng.pick(['crash', 'leave'])
            : rng.pick(['join', 'crash', 'leave']);
      if (action === 'join') startConsumer(ctx, rng.pick(ctx.clients), ctx.group);
      else {
        const victim = rng.pick(members).spec.name;
        if (action === 'crash') await ctx.pool.kill(victim);
        else void ctx.pool.stop(victim);
      }
    }
    // Someone must be left to read what remains.
    if (ctx.pool.list('consumer').length === 0) startConsumer(ctx, 'samsa', ctx.group);
  },
};

const txn: Workload = {
  name: 'txn',
  group: 'chaos-txn',
  async run() {
    throw new Error(
      'the txn workload needs transactions, which Samsa does not have yet: add transactional producers and read_committed consumers to worker.ts and a workload here',
    );
  },
};

export const WORKLOAD_TABLE: Record<WorkloadName, Workload> = { queue, groups, txn };
