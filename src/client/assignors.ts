// Partition assignors of the classic consumer group protocol, and the ConsumerProtocol
// subscription and assignment formats they travel in (the formats Java, librdkafka and kafkajs
// members use, so a group can mix clients). The group leader runs the assignor chosen by the
// coordinator over every member's subscription.
//   range: per topic, members in order, each gets a contiguous range (Java's RangeAssignor).
//   roundrobin: all partitions in topic/partition order dealt to members in turn (RoundRobinAssignor).
//   cooperative-sticky: keeps what members own, balances the rest, and never moves a partition from
//     one member to another in a single rebalance: it is first revoked, then assigned in the next.
import { codecFor, decodeFromBuffer, Writer } from '../protocol/index.js';
import { ConsumerProtocolAssignment, ConsumerProtocolSubscription } from '../protocol/internal/index.js';
import type { TopicPartition } from './requests.js';

export interface MemberSubscription {
  memberId: string;
  groupInstanceId: string | null;
  topics: string[];
  ownedPartitions: TopicPartition[];
  generationId: number;
  rackId: string | null;
  userData: Buffer | null;
}

export interface Assignor {
  /** The protocol name members announce in JoinGroup. */
  name: string;
  /** Eager assignors have every member give up everything on a rebalance; cooperative ones don't. */
  protocol: 'eager' | 'cooperative';
  /** Maps each member id to its partitions. `partitionCounts` covers every subscribed topic. */
  assign(
    members: readonly MemberSubscription[],
    partitionCounts: ReadonlyMap<string, number>,
  ): Map<string, TopicPartition[]>;
  /** Optional user data sent with this member's subscription. */
  userData?(): Buffer | null;
}

/** Java's member order: by group instance id when both members have one, else by member id. */
function memberOrder(a: MemberSubscription, b: MemberSubscription): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) {
    return a.groupInstanceId < b.groupInstanceId ? -1 : a.groupInstanceId > b.groupInstanceId ? 1 : 0;
  }
  return a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0;
}

function emptyAssignment(members: readonly MemberSubscription[]): Map<string, TopicPartition[]> {
  return new Map(members.map((m) => [m.memberId, []]));
}

export const rangeAssignor: Assignor = {
  name: 'range',
  protocol: 'eager',
  assign(members, partitionCounts) {
    const out = emptyAssignment(members);
    const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
    for (const topic of topics) {
      const n = partitionCounts.get(topic) ?? 0;
      const consumers = members.filter((m) => m.topics.includes(topic)).sort(memberOrder);
      if (n === 0 || consumers.length === 0) continue;
      const per = Math.floor(n / consumers.length);
      const extra = n % consumers.length;
      consumers.forEach((m, i) => {
        const start = per * i + Math.min(i, extra);
        const length = per + (i < extra ? 1 : 0);
        const list = out.get(m.memberId) as TopicPartition[];
        for (let p = start; p < start + length; p++) list.push({ topic, partition: p });
      });
    }
    return out;
  },
};

export const roundRobinAssignor: Assignor = {
  name: 'roundrobin',
  protocol: 'eager',
  assign(members, partitionCounts) {
    const out = emptyAssignment(members);
    const sorted = [...members].sort(memberOrder);
    if (sorted.length === 0) return out;
    const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
    let next = 0;
    for (const topic of topics) {
      const n = partitionCounts.get(topic) ?? 0;
      for (let p = 0; p < n; p++) {
        // The next member, in turn, that subscribes to this topic.
        for (let tries = 0; tries < sorted.length; tries++) {
          const m = sorted[next % sorted.length];
          next++;
          if (m.topics.includes(topic)) {
            (out.get(m.memberId) as TopicPartition[]).push({ topic, partition: p });
            break;
          }
        }
      }
    }
    return out;
  },
};

export const cooperativeStickyAssignor: Assignor = {
  name: 'cooperative-sticky',
  protocol: 'cooperative',
  assign(members, partitionCounts) {
    const out = emptyAssignment(members);
    const sorted = [...members].sort(memberOrder);
    const all: TopicPartition[] = [];
    for (const topic of [...new Set(members.flatMap((m) => m.topics))].sort()) {
      for (let p = 0; p < (partitionCounts.get(topic) ?? 0); p++) all.push({ topic, partition: p });
    }
    // Previous owners; when two members claim a partition, the higher generation wins.
    const owner = new Map<string, { memberId: string; generation: number }>();
    for (const m of sorted) {
      for (const tp of m.ownedPartitions) {
        const k = `${tp.topic}\u0000${tp.partition}`;
        if (!m.topics.includes(tp.topic) || tp.partition >= (partitionCounts.get(tp.topic) ?? 0)) continue;
        const prev = owner.get(k);
        if (!prev || m.generationId > prev.generation)
          owner.set(k, { memberId: m.memberId, generation: m.generationId });
      }
    }
    const quotaFloor = sorted.length ? Math.floor(all.length / sorted.length) : 0;
    let ceilSlots = sorted.length ? all.length % sorted.length : 0;
    const count = new Map(sorted.map((m) => [m.memberId, 0]));
    const assigned = new Set<string>();
    // 1. Members keep what they own, up to their share.
    const byOwned = [...sorted].sort(
      (a, b) => b.ownedPartitions.length - a.ownedPartitions.length || memberOrder(a, b),
    );
    for (const m of byOwned) {
      for (const tp of m.ownedPartitions) {
        const k = `${tp.topic}\u0000${tp.partition}`;
        if (owner.get(k)?.memberId !== m.memberId || assigned.has(k)) continue;
        const c = count.get(m.memberId) as number;
        const quota = quotaFloor + (ceilSlots > 0 ? 1 : 0);
        if (c >= quota) continue;
        if (c === quotaFloor) ceilSlots--;
        (out.get(m.memberId) as TopicPartition[]).push(tp);
        count.set(m.memberId, c + 1);
        assigned.add(k);
      }
    }
    // 2. The rest go to the least loaded subscribed member.
    const moved = new Set<string>();
    for (const tp of all) {
      const k = `${tp.topic}\u0000${tp.partition}`;
      if (assigned.has(k)) continue;
      let best: MemberSubscription | undefined;
      for (const m of sorted) {
        if (!m.topics.includes(tp.topic)) continue;
        if (!best || (count.get(m.memberId) as number) < (count.get(best.memberId) as number)) best = m;
      }
      if (!best) continue;
      (out.get(best.memberId) as TopicPartition[]).push(tp);
      count.set(best.memberId, (count.get(best.memberId) as number) + 1);
      assigned.add(k);
      const prev = owner.get(k);
      if (prev && prev.memberId !== best.memberId) moved.add(k);
    }
    // 3. Cooperative rule: a partition changing hands is left out this round; its old owner
    // revokes it, rejoins, and the next rebalance hands it over.
    if (moved.size > 0) {
      for (const [memberId, list] of out) {
        out.set(
          memberId,
          list.filter((tp) => !moved.has(`${tp.topic}\u0000${tp.partition}`)),
        );
      }
    }
    for (const list of out.values())
      list.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    return out;
  },
};

export const ASSIGNORS: Readonly<Record<string, Assignor>> = {
  range: rangeAssignor,
  roundrobin: roundRobinAssignor,
  'cooperative-sticky': cooperativeStickyAssignor,
};

const SUBSCRIPTION_VERSION = 3;

function groupByTopic(tps: readonly TopicPartition[]): { topic: string; partitions: number[] }[] {
  const m = new Map<string, number[]>();
  for (const tp of tps) {
    const list = m.get(tp.topic);
    if (list) list.push(tp.partition);
    else m.set(tp.topic, [tp.partition]);
  }
  return [...m].map(([topic, partitions]) => ({ topic, partitions }));
}

/** ConsumerProtocolSubscription bytes: int16 version, then the fields of that version. */
export function encodeSubscription(s: {
  topics: string[];
  userData: Buffer | null;
  ownedPartitions: TopicPartition[];
  generationId: number;
  rackId: string | null;
}): Buffer {
  const w = new Writer(128);
  w.int16(SUBSCRIPTION_VERSION);
  codecFor(ConsumerProtocolSubscription, SUBSCRIPTION_VERSION).encode(w, {
    topics: s.topics,
    userData: s.userData,
    ownedPartitions: groupByTopic(s.ownedPartitions),
    generationId: s.generationId,
    rackId: s.rackId,
  });
  return w.finishFlat();
}

/** Reads any version; fields of newer versions than we know are ignored, as Kafka does. */
export function decodeSubscription(
  memberId: string,
  groupInstanceId: string | null,
  bytes: Buffer,
): MemberSubscription {
  const version = bytes.readInt16BE(0);
  const v = Math.max(0, Math.min(version, SUBSCRIPTION_VERSION));
  const s = decodeFromBuffer(ConsumerProtocolSubscription, v, bytes.subarray(2), false);
  return {
    memberId,
    groupInstanceId,
    topics: s.topics,
    userData: s.userData,
    ownedPartitions: (s.ownedPartitions ?? []).flatMap((t) =>
      (t.partitions ?? []).map((partition) => ({ topic: t.topic as string, partition })),
    ),
    generationId: s.generationId ?? -1,
    rackId: s.rackId ?? null,
  };
}

export function encodeAssignment(tps: readonly TopicPartition[], userData: Buffer | null = null): Buffer {
  const w = new Writer(64);
  w.int16(0);
  codecFor(ConsumerProtocolAssignment, 0).encode(w, { assignedPartitions: groupByTopic(tps), userData });
  return w.finishFlat();
}

export function decodeAssignment(bytes: Buffer): TopicPartition[] {
  if (bytes.length < 2) return [];
  const v = Math.max(0, Math.min(bytes.readInt16BE(0), 3));
  const a = decodeFromBuffer(ConsumerProtocolAssignment, v, bytes.subarray(2), false);
  return a.assignedPartitions.flatMap((t) =>
    t.partitions.map((partition) => ({ topic: t.topic, partition })),
  );
}
