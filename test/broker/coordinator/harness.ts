// A group coordinator on a fake clock with in-memory partition logs, and small helpers that read like a
// client's side of the conversation.
import { GroupCoordinator } from '../../../src/broker/coordinator/group/coordinator.js';
import type { GroupCoordinatorSettings } from '../../../src/broker/coordinator/group/settings.js';
import type { GroupShard } from '../../../src/broker/coordinator/group/shard.js';
import {
  MemoryCoordinatorLog,
  type Scheduler,
  type TimerHandle,
} from '../../../src/broker/coordinator/runtime.js';
import { Logger } from '../../../src/broker/logger.js';

export class FakeScheduler implements Scheduler {
  time = 1_700_000_000_000;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.time;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { at: this.time + Math.max(0, delayMs), fn });
    return { cancel: () => this.timers.delete(id) };
  }

  /** Moves time forward, firing due timers in time order (and those they schedule). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | null = null;
      for (const e of this.timers) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.time = next[1].at;
      next[1].fn();
    }
    this.time = end;
  }

  get pending(): number {
    return this.timers.size;
  }
}

/** Lets promises settle (several rounds: responses wait on chained writes). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

export const silentLog = Logger.create({ level: 'off' });

export interface Harness {
  clock: FakeScheduler;
  coordinator: GroupCoordinator;
  logs: Map<number, MemoryCoordinatorLog>;
  shard(groupId: string): GroupShard;
  /** Advances the clock and lets the answers it produced arrive. */
  advance(ms: number): Promise<void>;
  /** A new coordinator over the same logs: a restart. */
  restart(): Promise<Harness>;
}

export async function harness(
  settings: Partial<GroupCoordinatorSettings> = {},
  logs = new Map<number, MemoryCoordinatorLog>(),
  clock = new FakeScheduler(),
): Promise<Harness> {
  const partitions = settings.offsetsTopicPartitions ?? 1;
  let uuid = 0;
  const coordinator = new GroupCoordinator({
    settings: { offsetsTopicPartitions: partitions, groupInitialRebalanceDelayMs: 0, ...settings },
    scheduler: clock,
    logFor: (p) => {
      let log = logs.get(p);
      if (!log) {
        log = new MemoryCoordinatorLog();
        logs.set(p, log);
      }
      return log;
    },
    randomUuid: () => `uuid${++uuid}`,
    log: silentLog,
  });
  for (let p = 0; p < partitions; p++) coordinator.runtime.load(p, 0);
  await settle();
  const h: Harness = {
    clock,
    coordinator,
    logs,
    shard: (groupId) => {
      // biome-ignore lint/suspicious/noExplicitAny: test access to the runtime's shards
      const slots = (coordinator.runtime as any).slots as Map<number, { shard: GroupShard }>;
      return slots.get(coordinator.partitionFor(groupId))?.shard as GroupShard;
    },
    advance: async (ms) => {
      clock.advance(ms);
      await settle();
    },
    restart: async () => {
      coordinator.close();
      return harness(settings, logs, clock);
    },
  };
  return h;
}

export function consumerSubscription(topics: string[], userData: Buffer | null = null): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(6);
  head.writeInt16BE(0, 0);
  head.writeInt32BE(topics.length, 2);
  parts.push(head);
  for (const t of topics) {
    const b = Buffer.from(t);
    const len = Buffer.alloc(2);
    len.writeInt16BE(b.length);
    parts.push(len, b);
  }
  const ud = Buffer.alloc(4);
  ud.writeInt32BE(userData ? userData.length : -1);
  parts.push(ud);
  if (userData) parts.push(userData);
  return Buffer.concat(parts);
}

export interface JoinOptions {
  memberId?: string;
  instanceId?: string | null;
  clientId?: string;
  version?: number;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  protocols?: { name: string; metadata: Buffer }[];
  protocolType?: string;
  topics?: string[];
}

export function joinRequest(groupId: string, o: JoinOptions = {}) {
  const metadata = consumerSubscription(o.topics ?? ['orders']);
  return {
    groupId,
    memberId: o.memberId ?? '',
    groupInstanceId: o.instanceId ?? null,
    protocolType: o.protocolType ?? 'consumer',
    protocols: o.protocols ?? [{ name: 'range', metadata }],
    sessionTimeoutMs: o.sessionTimeoutMs ?? 10_000,
    rebalanceTimeoutMs: o.rebalanceTimeoutMs ?? 30_000,
    clientId: o.clientId ?? 'client',
    clientHost: '/127.0.0.1',
    apiVersion: o.version ?? 9,
  };
}

/** A promise's state without waiting for it. */
export async function isPending(p: Promise<unknown>): Promise<boolean> {
  const marker = Symbol('pending');
  const r = await Promise.race([p, Promise.resolve(marker)]);
  return r === marker;
}
