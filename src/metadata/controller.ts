// Controller logic: validates a change against the current image and answers with the metadata
// records that make it, plus a result per item. Nothing here touches the image: the records are
// proposed to the metadata log, and the change exists once they are committed and replayed.
import { ErrorCode } from '../protocol/errors.js';
import { configsOf, type MetadataImage, ResourceType, type TopicInfo } from './image.js';
import { isActiveBroker } from './partition-change.js';
import { type PlaceableBroker, type RandomInt, StripedPlacer } from './placement.js';
import { type MetadataRecord, record } from './records.js';

export interface ControllerContext {
  image: MetadataImage;
  defaultPartitions: number;
  defaultReplicationFactor: number;
  deleteTopicEnable: boolean;
  /** Checks topic config entries; returns a readable problem or null. */
  validateTopicConfigs: (configs: ReadonlyMap<string, string>) => string | null;
  randomUuid: () => string;
  /** Randomness for replica placement (Math.random in the broker, seeded in tests). */
  randomInt: RandomInt;
  /** The controller mutation quota of the request's client, when one applies (see PartitionCharge). */
  chargePartitions?: PartitionCharge;
}

/**
 * Charges the partitions one topic creates or deletes to the client's controller mutation quota
 * (KIP-599). Called per topic once every other check has passed, as Kafka's controller does; an error
 * (THROTTLING_QUOTA_EXCEEDED) refuses that topic, and the topics after it are charged on their own.
 */
export type PartitionCharge = (partitions: number) => ItemError | null;

export interface Outcome<R> {
  records: MetadataRecord[];
  results: R[];
}

export interface ItemError {
  errorCode: number;
  errorMessage: string | null;
}

const OK: ItemError = { errorCode: ErrorCode.NONE, errorMessage: null };
const fail = (errorCode: number, errorMessage: string): ItemError => ({ errorCode, errorMessage });

export const TOPIC_NAME_BYTES_MAX = 249;
const LEGAL_TOPIC = /^[a-zA-Z0-9._-]+$/;

/** Kafka's topic name rules; null when the name is legal. */
export function topicNameProblem(name: string): string | null {
  if (name.length === 0) return "Topic name is illegal, it can't be empty";
  if (name === '.' || name === '..') return 'Topic name cannot be "." or ".."';
  if (name.length > TOPIC_NAME_BYTES_MAX) {
    return `Topic name is illegal, it can't be longer than ${TOPIC_NAME_BYTES_MAX} characters, topic name: ${name}`;
  }
  if (!LEGAL_TOPIC.test(name)) {
    return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  }
  return null;
}

const collisionKey = (name: string) => name.replace(/\./g, '_');

export interface CreatableTopic {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  assignments: ReadonlyArray<{ partitionIndex: number; brokerIds: readonly number[] }>;
  configs: ReadonlyArray<{ name: string; value: string | null }>;
}

export interface CreatedTopic extends ItemError {
  name: string;
  topicId: string;
  numPartitions: number;
  replicationFactor: number;
}

/** Brokers replicas may be placed on: registered and not shutting down (fenced ones only as followers). */
export function usableBrokers(image: MetadataImage): PlaceableBroker[] {
  return [...image.brokers.values()]
    .filter((b) => !b.inControlledShutdown)
    .map((b) => ({ id: b.id, rack: b.rack, fenced: b.fenced }))
    .sort((a, b) => a.id - b.id);
}

export function createTopics(
  ctx: ControllerContext,
  topics: readonly CreatableTopic[],
): Outcome<CreatedTopic> {
  const records: MetadataRecord[] = [];
  const results: CreatedTopic[] = [];
  const seen = new Map<string, number>();
  for (const t of topics) seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
  const taken = new Set([...ctx.image.topicsByName.keys()].map(collisionKey));
  for (const t of topics) {
    const base = { name: t.name, topicId: '', numPartitions: -1, replicationFactor: -1 };
    const problem = checkCreatable(ctx, t, seen, taken);
    if (problem.error) {
      results.push({ ...base, ...problem.error });
      continue;
    }
    const { partitions, replicationFactor, assignment } = problem;
    const refused = ctx.chargePartitions?.(partitions);
    if (refused) {
      results.push({ ...base, ...refused });
      continue;
    }
    const topicId = ctx.randomUuid();
    records.push(record('Topic', { name: t.name, topicId }));
    for (const [name, value] of topicConfigMap(t)) {
      records.push(record('Config', { resourceType: ResourceType.Topic, resourceName: t.name, name, value }));
    }
    for (const [p, replicas] of assignment.entries())
      records.push(partitionRecord(ctx.image, topicId, p, replicas));
    taken.add(collisionKey(t.name));
    results.push({ ...OK, name: t.name, topicId, numPartitions: partitions, replicationFactor });
  }
  return { records, results };
}

function topicConfigMap(t: CreatableTopic): Map<string, string> {
  const m = new Map<string, string>();
  for (const c of t.configs) if (c.value !== null) m.set(c.name, c.value);
  return m;
}

type Checked =
  | { error: ItemError; partitions?: never; replicationFactor?: never; assignment?: never }
  | { error: null; partitions: number; replicationFactor: number; assignment: number[][] };

function checkCreatable(
  ctx: ControllerContext,
  t: CreatableTopic,
  seen: Map<string, number>,
  taken: Set<string>,
): Checked {
  const nameProblem = topicNameProblem(t.name);
  if (nameProblem) return { error: fail(ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem) };
  if ((seen.get(t.name) ?? 0) > 1) {
    return {
      error: fail(
        ErrorCode.INVALID_REQUEST,
        `Create topics request from client contains duplicate topic ${t.name}`,
      ),
    };
  }
  if (ctx.image.topicsByName.has(t.name)) {
    return { error: fail(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`) };
  }
  if (taken.has(collisionKey(t.name))) {
    return {
      error: fail(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${t.name}' collides with an existing topic.`),
    };
  }
  const configProblem = ctx.validateTopicConfigs(topicConfigMap(t));
  if (configProblem) return { error: fail(ErrorCode.INVALID_CONFIG, configProblem) };
  if (t.assignments.length > 0) return checkManualAssignment(ctx, t);
  const partitions = t.numPartitions === -1 ? ctx.defaultPartitions : t.numPartitions;
  const rf = t.replicationFactor === -1 ? ctx.defaultReplicationFactor : t.replicationFactor;
  if (partitions <= 0)
    return {
      error: fail(
        ErrorCode.INVALID_PARTITIONS,
        'Number of partitions was set to an invalid non-positive value.',
      ),
    };
  if (rf <= 0)
    return { error: fail(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.') };
  const placed = new StripedPlacer(usableBrokers(ctx.image), ctx.randomInt).place(partitions, rf);
  if (!placed.ok) {
    return {
      error: fail(
        ErrorCode.INVALID_REPLICATION_FACTOR,
        `Unable to replicate the partition ${rf} time(s): ${placed.message}`,
      ),
    };
  }
  return { error: null, partitions, replicationFactor: rf, assignment: placed.assignment };
}

function checkManualAssignment(ctx: ControllerContext, t: CreatableTopic): Checked {
  if (t.numPartitions !== -1 || t.replicationFactor !== -1) {
    return {
      error: fail(
        ErrorCode.INVALID_REQUEST,
        'Both numPartitions or replicationFactor and replicasAssignments were set.',
      ),
    };
  }
  const sorted = [...t.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex);
  const problem = assignmentProblem(
    ctx.image,
    sorted.map((a) => a.brokerIds),
    sorted.map((a) => a.partitionIndex),
    0,
  );
  if (problem) return { error: fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, problem) };
  return {
    error: null,
    partitions: sorted.length,
    replicationFactor: sorted[0].brokerIds.length,
    assignment: sorted.map((a) => [...a.brokerIds]),
  };
}

function assignmentProblem(
  image: MetadataImage,
  replicaSets: readonly (readonly number[])[],
  indexes: number[],
  first: number,
): string | null {
  for (let i = 0; i < replicaSets.length; i++) {
    if (indexes[i] !== first + i) return `Partitions should be consecutive integers starting at ${first}.`;
    const set = replicaSets[i];
    if (set.length === 0) return `Partition ${indexes[i]} has an empty replica list.`;
    if (new Set(set).size !== set.length) return `Partition ${indexes[i]} has a duplicate replica.`;
    if (set.length !== replicaSets[0].length)
      return 'All partitions should have the same number of replicas.';
    const unknown = set.find((b) => !image.brokers.has(b));
    if (unknown !== undefined)
      return `The manual partition assignment includes broker ${unknown}, but no such broker is registered.`;
    if (!set.some((b) => isActiveBroker(image, b)))
      return `All brokers specified in the partition assignment for partition ${indexes[i]} are fenced or in controlled shutdown.`;
  }
  return null;
}

/** A new partition: its ISR is its live replicas, its leader the first of them (KRaft's createTopic). */
function partitionRecord(
  image: MetadataImage,
  topicId: string,
  partitionId: number,
  replicas: number[],
): MetadataRecord {
  const isr = replicas.filter((b) => isActiveBroker(image, b));
  return record('Partition', {
    partitionId,
    topicId,
    replicas,
    isr,
    removingReplicas: [],
    addingReplicas: [],
    leader: isr[0] ?? -1,
    leaderEpoch: 0,
    partitionEpoch: 0,
  });
}

export interface TopicRef {
  name: string | null;
  topicId: string | null;
}

export interface DeletedTopic extends ItemError {
  name: string | null;
  topicId: string;
}

export function deleteTopics(ctx: ControllerContext, refs: readonly TopicRef[]): Outcome<DeletedTopic> {
  const records: MetadataRecord[] = [];
  const results: DeletedTopic[] = [];
  const removed = new Set<string>();
  for (const ref of refs) {
    const topic = findTopic(ctx.image, ref);
    const base = { name: ref.name, topicId: ref.topicId ?? '' };
    if (!topic) {
      const code = ref.name !== null ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.UNKNOWN_TOPIC_ID;
      results.push({ ...base, ...fail(code, 'This server does not host this topic-partition.') });
    } else if (!ctx.deleteTopicEnable) {
      results.push({ ...base, ...fail(ErrorCode.TOPIC_DELETION_DISABLED, 'Topic deletion is disabled.') });
    } else {
      // A topic named twice is charged (and removed) once.
      const refused = removed.has(topic.id) ? null : ctx.chargePartitions?.(topic.partitions.length);
      if (refused) {
        results.push({ ...base, ...refused });
        continue;
      }
      if (!removed.has(topic.id)) records.push(record('RemoveTopic', { topicId: topic.id }));
      removed.add(topic.id);
      results.push({ ...OK, name: topic.name, topicId: topic.id });
    }
  }
  return { records, results };
}

function findTopic(image: MetadataImage, ref: TopicRef): TopicInfo | undefined {
  if (ref.name !== null && ref.name !== '') return image.topicsByName.get(ref.name);
  return ref.topicId ? image.topicsById.get(ref.topicId) : undefined;
}

export interface PartitionIncrease {
  name: string;
  count: number;
  assignments: ReadonlyArray<{ brokerIds: readonly number[] }> | null;
}

export function createPartitions(
  ctx: ControllerContext,
  items: readonly PartitionIncrease[],
): Outcome<ItemError & { name: string }> {
  const records: MetadataRecord[] = [];
  const results: (ItemError & { name: string })[] = [];
  for (const item of items) {
    const topic = ctx.image.topicsByName.get(item.name);
    const err = partitionIncreaseProblem(ctx.image, topic, item);
    if (err || !topic) {
      results.push({
        name: item.name,
        ...(err ?? fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'unknown topic')),
      });
      continue;
    }
    const current = topic.partitions.length;
    const refused = ctx.chargePartitions?.(item.count - current);
    if (refused) {
      results.push({ name: item.name, ...refused });
      continue;
    }
    const rf = topic.partitions[0]?.replicas.length ?? 1;
    let assignment: number[][];
    if (item.assignments) assignment = item.assignments.map((a) => [...a.brokerIds]);
    else {
      const placed = new StripedPlacer(usableBrokers(ctx.image), ctx.randomInt).place(
        item.count - current,
        rf,
      );
      if (!placed.ok) {
        results.push({
          name: item.name,
          ...fail(
            ErrorCode.INVALID_REPLICATION_FACTOR,
            `Unable to replicate the partition ${rf} time(s): ${placed.message}`,
          ),
        });
        continue;
      }
      assignment = placed.assignment;
    }
    for (const [i, replicas] of assignment.entries())
      records.push(partitionRecord(ctx.image, topic.id, current + i, replicas));
    results.push({ name: item.name, ...OK });
  }
  return { records, results };
}

function partitionIncreaseProblem(
  image: MetadataImage,
  topic: TopicInfo | undefined,
  item: PartitionIncrease,
): ItemError | null {
  if (!topic) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${item.name}' does not exist.`);
  const current = topic.partitions.length;
  if (item.count < current) {
    return fail(
      ErrorCode.INVALID_PARTITIONS,
      `The topic ${item.name} currently has ${current} partition(s); ${item.count} would not be an increase.`,
    );
  }
  if (item.count === current) {
    return fail(ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partition(s).`);
  }
  if (item.assignments) {
    if (item.assignments.length !== item.count - current) {
      return fail(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `Attempted to add ${item.count - current} additional partition(s), but only ${item.assignments.length} assignment(s) were specified.`,
      );
    }
    const sets = item.assignments.map((a) => a.brokerIds);
    const problem = assignmentProblem(
      image,
      sets,
      sets.map((_, i) => current + i),
      current,
    );
    if (problem) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, problem);
  }
  return null;
}

/** Records that set a resource's config overrides to exactly `next` (null values remove keys). */
export function configChangeRecords(
  image: MetadataImage,
  type: ResourceType,
  resourceName: string,
  next: ReadonlyMap<string, string>,
): MetadataRecord[] {
  const current = configsOf(image, type, resourceName);
  const records: MetadataRecord[] = [];
  for (const [name, value] of next) {
    if (current.get(name) !== value)
      records.push(record('Config', { resourceType: type, resourceName, name, value }));
  }
  for (const name of current.keys()) {
    if (!next.has(name))
      records.push(record('Config', { resourceType: type, resourceName, name, value: null }));
  }
  return records;
}

/** Hands out the next block of producer ids. */
export function allocateProducerIds(
  image: MetadataImage,
  brokerId: number,
  brokerEpoch: number,
  blockSize: number,
): { records: MetadataRecord[]; firstProducerId: number } {
  const first = image.nextProducerId;
  return {
    records: [record('ProducerIds', { brokerId, brokerEpoch, nextProducerId: first + blockSize })],
    firstProducerId: first,
  };
}
