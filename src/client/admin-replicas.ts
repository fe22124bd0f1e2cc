// The admin client's replica operations: partition reassignments (AlterPartitionReassignments and
// ListPartitionReassignments, sent to the controller) and moving replicas between a broker's log dirs
// (AlterReplicaLogDirs, sent to each broker). Results are per partition or replica: one failing
// partition does not hide the others.
import type {
  AlterPartitionReassignmentsResponse,
  AlterReplicaLogDirsResponse,
  ListPartitionReassignmentsResponse,
} from '../protocol/index.js';
import type { Cluster } from './cluster.js';
import { type KafkaError, kafkaError } from './errors.js';
import { API } from './versions.js';

export interface ReassignmentTarget {
  topic: string;
  partition: number;
  /** The new replica list; null cancels the partition's ongoing reassignment. */
  replicas: number[] | null;
}

export interface ReassignmentResult {
  topic: string;
  partition: number;
  error: KafkaError | null;
}

export interface PartitionReassignment {
  topic: string;
  partition: number;
  /** Every replica during the reassignment: the target first, then the ones being removed. */
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
}

export interface ReplicaLogDirTarget {
  topic: string;
  partition: number;
  broker: number;
  /** Absolute path of one of the broker's log dirs. */
  logDir: string;
}

function byTopic<T extends { topic: string }>(items: readonly T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const i of items) {
    const list = m.get(i.topic) ?? [];
    list.push(i);
    m.set(i.topic, list);
  }
  return m;
}

type ToController = <T>(
  api: string,
  apiKey: number,
  build: (v: number) => unknown,
  timeoutMs: number,
) => Promise<T>;

export async function alterPartitionReassignments(
  toController: ToController,
  targets: readonly ReassignmentTarget[],
  timeoutMs: number,
): Promise<ReassignmentResult[]> {
  const res = await toController<AlterPartitionReassignmentsResponse>(
    'AlterPartitionReassignments',
    API.AlterPartitionReassignments,
    () => ({
      timeoutMs,
      topics: [...byTopic(targets)].map(([name, list]) => ({
        name,
        partitions: list.map((t) => ({ partitionIndex: t.partition, replicas: t.replicas })),
      })),
    }),
    timeoutMs,
  );
  if (res.errorCode !== 0) {
    const err = kafkaError(res.errorCode, { api: 'AlterPartitionReassignments' }, res.errorMessage);
    return targets.map((t) => ({ topic: t.topic, partition: t.partition, error: err }));
  }
  const out: ReassignmentResult[] = [];
  for (const t of res.responses) {
    for (const p of t.partitions) {
      const loc = { topic: t.name, partition: p.partitionIndex, api: 'AlterPartitionReassignments' };
      out.push({
        topic: t.name,
        partition: p.partitionIndex,
        error: p.errorCode === 0 ? null : kafkaError(p.errorCode, loc, p.errorMessage),
      });
    }
  }
  return out;
}

export async function listPartitionReassignments(
  toController: ToController,
  partitions: readonly { topic: string; partition: number }[] | null,
  timeoutMs: number,
): Promise<PartitionReassignment[]> {
  const res = await toController<ListPartitionReassignmentsResponse>(
    'ListPartitionReassignments',
    API.ListPartitionReassignments,
    () => ({
      timeoutMs,
      topics:
        partitions === null
          ? null
          : [...byTopic(partitions)].map(([name, list]) => ({
              name,
              partitionIndexes: list.map((p) => p.partition),
            })),
    }),
    timeoutMs,
  );
  if (res.errorCode !== 0)
    throw kafkaError(res.errorCode, { api: 'ListPartitionReassignments' }, res.errorMessage);
  return res.topics.flatMap((t) =>
    t.partitions.map((p) => ({
      topic: t.name,
      partition: p.partitionIndex,
      replicas: p.replicas,
      addingReplicas: p.addingReplicas,
      removingReplicas: p.removingReplicas,
    })),
  );
}

/** Asks each broker to move its replicas to the given log dirs; an error per replica, or null. */
export async function alterReplicaLogDirs(
  cluster: Cluster,
  targets: readonly ReplicaLogDirTarget[],
): Promise<(ReplicaLogDirTarget & { error: KafkaError | null })[]> {
  const byBroker = new Map<number, ReplicaLogDirTarget[]>();
  for (const t of targets) byBroker.set(t.broker, [...(byBroker.get(t.broker) ?? []), t]);
  const out: (ReplicaLogDirTarget & { error: KafkaError | null })[] = [];
  await Promise.all(
    [...byBroker].map(async ([broker, list]) => {
      const dirs = new Map<string, ReplicaLogDirTarget[]>();
      for (const t of list) dirs.set(t.logDir, [...(dirs.get(t.logDir) ?? []), t]);
      let res: AlterReplicaLogDirsResponse;
      try {
        res = await cluster.withRetries('AlterReplicaLogDirs', () =>
          cluster.sendTo<AlterReplicaLogDirsResponse>(broker, API.AlterReplicaLogDirs, () => ({
            dirs: [...dirs].map(([path, items]) => ({
              path,
              topics: [...byTopic(items)].map(([name, ps]) => ({
                name,
                partitions: ps.map((p) => p.partition),
              })),
            })),
          })),
        );
      } catch (err) {
        for (const t of list) out.push({ ...t, error: err as KafkaError });
        return;
      }
      for (const t of list) {
        const code =
          res.results
            .find((r) => r.topicName === t.topic)
            ?.partitions.find((p) => p.partitionIndex === t.partition)?.errorCode ?? 0;
        const loc = { topic: t.topic, partition: t.partition, broker, api: 'AlterReplicaLogDirs' };
        out.push({ ...t, error: code === 0 ? null : kafkaError(code, loc) });
      }
    }),
  );
  return out;
}
