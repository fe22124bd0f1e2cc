// The data of kafka-reassign-partitions.sh: Kafka's JSON formats (topics to move; a reassignment with
// optional per-replica log dirs), the checks Kafka makes on them with its messages, and the
// throttle lists a reassignment sets (leaders: every current replica; followers: every new one).
import { readFileSync } from 'node:fs';
import { CommandError } from '../args.js';

export const ANY_LOG_DIR = 'any';

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface PartitionTarget extends TopicPartition {
  replicas: number[];
}

export interface ReplicaDir extends TopicPartition {
  broker: number;
  logDir: string;
}

export function tpName(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

/** Kafka's TopicPartitionReplica text: topic-partition-broker. */
export function replicaName(r: TopicPartition & { broker: number }): string {
  return `${r.topic}-${r.partition}-${r.broker}`;
}

export function compareTp(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}

export function compareReplica(a: ReplicaDir, b: ReplicaDir): number {
  return a.broker - b.broker || compareTp(a, b);
}

/** A file's text, or one line naming the file and why it cannot be read. */
export function readFileOrFail(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new CommandError(`${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

function parseJson(text: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CommandError('The input string is not a valid JSON');
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new CommandError('The input string is not a valid JSON object');
  return json as Record<string, unknown>;
}

function checkVersion(o: Record<string, unknown>): void {
  const version = o.version ?? 1;
  if (version !== 1) throw new CommandError(`Not supported version field value ${String(version)}`);
}

/** {"topics":[{"topic":"foo"}],"version":1} */
export function parseTopicsToMove(text: string): string[] {
  const o = parseJson(text);
  checkVersion(o);
  const topics = o.topics ?? [];
  if (!Array.isArray(topics)) throw new CommandError('"topics" must be a list');
  const names = topics.map((t: { topic?: unknown }) => {
    if (typeof t?.topic !== 'string')
      throw new CommandError(`Each topic needs a "topic" name: ${JSON.stringify(t)}`);
    return t.topic;
  });
  const dups = duplicates(names);
  if (dups.length > 0)
    throw new CommandError(`List of topics to reassign contains duplicate entries: ${dups.join(',')}`);
  return names;
}

export function parseBrokerList(text: string): number[] {
  const ids = text.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n)) throw new CommandError(`--broker-list: '${s}' is not a broker id`);
    return n;
  });
  const dups = duplicates(ids);
  if (dups.length > 0) throw new CommandError(`Broker list contains duplicate entries: ${dups.join(',')}`);
  return ids;
}

function duplicates<T>(items: readonly T[]): T[] {
  const seen = new Set<T>();
  const dup = new Set<T>();
  for (const i of items) (seen.has(i) ? dup : seen).add(i);
  return [...dup];
}

/** {"version":1,"partitions":[{"topic":"foo","partition":0,"replicas":[1,2],"log_dirs":["any","any"]}]} */
export function parseReassignment(text: string): { targets: PartitionTarget[]; dirs: ReplicaDir[] } {
  const o = parseJson(text);
  checkVersion(o);
  const parts = o.partitions ?? [];
  if (!Array.isArray(parts)) throw new CommandError('"partitions" must be a list');
  const targets: PartitionTarget[] = [];
  const dirs: ReplicaDir[] = [];
  for (const p of parts as Record<string, unknown>[]) {
    const { topic, partition, replicas } = p ?? {};
    if (
      typeof topic !== 'string' ||
      !Number.isInteger(partition) ||
      !Array.isArray(replicas) ||
      !replicas.every((r) => Number.isInteger(r))
    ) {
      throw new CommandError(
        `Each partition needs a string "topic", an integer "partition" and a list of broker ids "replicas": ${JSON.stringify(p)}`,
      );
    }
    const target = { topic, partition: partition as number, replicas: replicas as number[] };
    const logDirs = p.log_dirs === undefined ? replicas.map(() => ANY_LOG_DIR) : p.log_dirs;
    if (!Array.isArray(logDirs) || logDirs.length !== replicas.length) {
      throw new CommandError(
        `Size of replicas list ${JSON.stringify(replicas)} is different from size of log dirs list ${JSON.stringify(logDirs)} for partition ${tpName(target)}`,
      );
    }
    targets.push(target);
    logDirs.forEach((dir, i) => {
      if (dir !== ANY_LOG_DIR)
        dirs.push({ topic, partition: target.partition, broker: target.replicas[i], logDir: String(dir) });
    });
  }
  return { targets, dirs };
}

/** The checks --execute makes before touching anything. */
export function checkExecutable(targets: readonly PartitionTarget[]): void {
  if (targets.length === 0) throw new CommandError('Partition reassignment list cannot be empty');
  if (targets.some((t) => t.replicas.length === 0))
    throw new CommandError('Partition replica list cannot be empty');
  const dupParts = duplicates(targets.map(tpName));
  if (dupParts.length > 0)
    throw new CommandError(
      `Partition reassignment contains duplicate topic partitions: ${dupParts.join(',')}`,
    );
  const dupReplicas = targets
    .map((t) => ({ t, d: duplicates(t.replicas) }))
    .filter((x) => x.d.length > 0)
    .map((x) => `${tpName(x.t)} contains multiple entries for ${x.d.join(',')}`);
  if (dupReplicas.length > 0)
    throw new CommandError(
      `Partition replica lists may not contain duplicate entries: ${dupReplicas.join('. ')}`,
    );
}

/** Kafka's JSON of an assignment, partitions sorted, every log dir "any" unless given. */
export function reassignmentJson(
  targets: readonly PartitionTarget[],
  dirs: readonly ReplicaDir[] = [],
): string {
  const dirOf = (t: PartitionTarget, r: number) =>
    dirs.find((d) => d.topic === t.topic && d.partition === t.partition && d.broker === r)?.logDir ??
    ANY_LOG_DIR;
  const partitions = [...targets].sort(compareTp).map((t) => ({
    topic: t.topic,
    partition: t.partition,
    replicas: t.replicas,
    log_dirs: t.replicas.map((r) => dirOf(t, r)),
  }));
  return JSON.stringify({ version: 1, partitions });
}

/** A partition's move: the replicas it has (sources) and the ones it gains (destinations). */
export interface Move {
  sources: Set<number>;
  destinations: Set<number>;
}

/**
 * Every partition moving, by topic: the ongoing reassignments (sources: their replicas minus the
 * ones being added) and the proposed ones (sources: the current replicas, or the ongoing move's).
 */
export function proposedMoves(
  ongoing: readonly { topic: string; partition: number; replicas: number[]; addingReplicas: number[] }[],
  proposed: readonly PartitionTarget[],
  current: ReadonlyMap<string, number[]>,
): Map<string, Map<number, Move>> {
  const moves = new Map<string, Map<number, Move>>();
  const of = (topic: string) => {
    let m = moves.get(topic);
    if (!m) {
      m = new Map();
      moves.set(topic, m);
    }
    return m;
  };
  for (const r of ongoing) {
    const adding = new Set(r.addingReplicas);
    of(r.topic).set(r.partition, {
      sources: new Set(r.replicas.filter((x) => !adding.has(x))),
      destinations: adding,
    });
  }
  for (const t of proposed) {
    const topicMoves = of(t.topic);
    const sources = topicMoves.get(t.partition)?.sources ?? new Set(current.get(tpName(t)) ?? []);
    topicMoves.set(t.partition, {
      sources,
      destinations: new Set(t.replicas.filter((r) => !sources.has(r))),
    });
  }
  return moves;
}

/** leader.replication.throttled.replicas per topic: partition:source for every source. */
export function leaderThrottles(moves: ReadonlyMap<string, Map<number, Move>>): Map<string, string> {
  return throttleLists(moves, (m) => m.sources);
}

/** follower.replication.throttled.replicas per topic: partition:destination for every new replica. */
export function followerThrottles(moves: ReadonlyMap<string, Map<number, Move>>): Map<string, string> {
  return throttleLists(moves, (m) => new Set([...m.destinations].filter((d) => !m.sources.has(d))));
}

function throttleLists(moves: ReadonlyMap<string, Map<number, Move>>, pick: (m: Move) => Set<number>) {
  const out = new Map<string, string>();
  for (const [topic, parts] of moves) {
    const entries = new Set<string>();
    for (const [p, m] of parts) for (const b of pick(m)) entries.add(`${p}:${b}`);
    out.set(topic, [...entries].sort().join(','));
  }
  return out;
}

export function movingBrokers(moves: ReadonlyMap<string, Map<number, Move>>): number[] {
  const all = new Set<number>();
  for (const parts of moves.values())
    for (const m of parts.values()) for (const b of [...m.sources, ...m.destinations]) all.add(b);
  return [...all].sort((a, b) => a - b);
}
