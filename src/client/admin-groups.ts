// The admin client's consumer-group calls: list groups on every broker, describe and delete groups
// through their coordinators (decoding consumer members' subscriptions and assignments), and delete
// committed offsets. Every failure is kept with its location.
import {
  type DeleteGroupsResponse,
  type DescribeGroupsResponse,
  decodeFromBuffer,
  type ListGroupsResponse,
  type OffsetDeleteResponse,
} from '../protocol/index.js';
import { ConsumerProtocolAssignment, ConsumerProtocolSubscription } from '../protocol/internal/index.js';
import type { Cluster } from './cluster.js';
import { combineErrors, type KafkaError, kafkaError, partitionErrors } from './errors.js';
import { coordinatorRequest, type TopicPartition } from './requests.js';
import { API } from './versions.js';

export interface GroupListing {
  groupId: string;
  protocolType: string;
  state: string | null;
  type: string | null;
}

export interface GroupMemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** Decoded for consumer groups; raw bytes in `metadata`/`assignment` otherwise. */
  subscription: string[] | null;
  assignment: TopicPartition[] | null;
  metadata: Buffer;
  assignmentBytes: Buffer;
}

export interface GroupDescription {
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: GroupMemberDescription[];
  coordinator: number;
}

/** Groups known to every broker. */
export interface ListGroupsOptions {
  states?: string[];
  types?: string[];
  /** How long to keep retrying a broker that cannot be reached (default: the API timeout). */
  timeoutMs?: number;
}

export async function listGroups(cluster: Cluster, options: ListGroupsOptions): Promise<GroupListing[]> {
  const { groups, errors } = await listGroupsAnswered(cluster, options);
  if (errors.length > 0) throw combineErrors(errors, 'ListGroups failed');
  return groups;
}

/**
 * ListGroups to every broker: the groups of those that answered, and an error for each that did not
 * (what Kafka's ListGroupsResult splits into valid() and errors()).
 */
export async function listGroupsAnswered(
  cluster: Cluster,
  options: ListGroupsOptions,
): Promise<{ groups: GroupListing[]; errors: KafkaError[] }> {
  await cluster.refreshMetadata();
  const out: GroupListing[] = [];
  const errors: KafkaError[] = [];
  await Promise.all(
    [...cluster.brokers.keys()].map(async (nodeId) => {
      try {
        const res = await cluster.withRetries(
          'ListGroups',
          () =>
            cluster.sendTo<ListGroupsResponse>(nodeId, API.ListGroups, () => ({
              statesFilter: options.states ?? [],
              typesFilter: options.types ?? [],
            })),
          options.timeoutMs,
        );
        if (res.errorCode !== 0) throw kafkaError(res.errorCode, { broker: nodeId, api: 'ListGroups' });
        for (const g of res.groups) {
          out.push({
            groupId: g.groupId,
            protocolType: g.protocolType,
            state: g.groupState ?? null,
            type: g.groupType ?? null,
          });
        }
      } catch (e) {
        errors.push(e as KafkaError);
      }
    }),
  );
  return { groups: out.sort((a, b) => a.groupId.localeCompare(b.groupId)), errors };
}

export async function describeGroups(
  cluster: Cluster,
  groupIds: readonly string[],
): Promise<GroupDescription[]> {
  const results = await Promise.all(
    groupIds.map(async (groupId) => {
      try {
        const res = await coordinatorRequest<DescribeGroupsResponse>(
          cluster,
          groupId,
          'DescribeGroups',
          API.DescribeGroups,
          () => ({ groups: [groupId], includeAuthorizedOperations: false }),
          (r) => ({ code: r.groups[0]?.errorCode ?? 0 }),
        );
        const g = res.groups[0];
        const coordinator = await cluster.coordinator(groupId);
        return {
          groupId: g.groupId,
          state: g.groupState,
          protocolType: g.protocolType,
          protocol: g.protocolData,
          coordinator,
          members: g.members.map((m) => {
            const consumer = g.protocolType === 'consumer';
            return {
              memberId: m.memberId,
              groupInstanceId: m.groupInstanceId ?? null,
              clientId: m.clientId,
              clientHost: m.clientHost,
              subscription: consumer ? decodeSubscriptionTopics(m.memberMetadata) : null,
              assignment: consumer ? decodeAssignmentPartitions(m.memberAssignment) : null,
              metadata: m.memberMetadata,
              assignmentBytes: m.memberAssignment,
            };
          }),
        } satisfies GroupDescription;
      } catch (e) {
        return e as KafkaError;
      }
    }),
  );
  const errors = results.filter((r): r is KafkaError => r instanceof Error);
  if (errors.length > 0) throw combineErrors(errors, 'DescribeGroups failed');
  return results as GroupDescription[];
}

export async function deleteGroups(cluster: Cluster, groupIds: readonly string[]): Promise<void> {
  const errors: KafkaError[] = [];
  await Promise.all(
    groupIds.map(async (groupId) => {
      try {
        await coordinatorRequest<DeleteGroupsResponse>(
          cluster,
          groupId,
          'DeleteGroups',
          API.DeleteGroups,
          () => ({ groupsNames: [groupId] }),
          (r) => ({ code: r.results[0]?.errorCode ?? 0 }),
        );
      } catch (e) {
        errors.push(e as KafkaError);
      }
    }),
  );
  if (errors.length > 0) throw combineErrors(errors, 'DeleteGroups failed');
}

export async function deleteGroupOffsets(
  cluster: Cluster,
  groupId: string,
  partitions: readonly TopicPartition[],
): Promise<void> {
  const byTopic = new Map<string, number[]>();
  for (const tp of partitions) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
  const res = await coordinatorRequest<OffsetDeleteResponse>(
    cluster,
    groupId,
    'OffsetDelete',
    API.OffsetDelete,
    () => ({
      groupId,
      topics: [...byTopic].map(([name, ps]) => ({
        name,
        partitions: ps.map((partitionIndex) => ({ partitionIndex })),
      })),
    }),
    (r) => ({ code: r.errorCode }),
  );
  const errors = partitionErrors(res.topics, { groupId, api: 'OffsetDelete' });
  if (errors.length > 0) throw combineErrors(errors, 'OffsetDelete failed');
}

function decodeSubscriptionTopics(bytes: Buffer): string[] | null {
  try {
    if (bytes.length < 2) return null;
    const version = Math.min(bytes.readInt16BE(0), 3);
    return decodeFromBuffer(ConsumerProtocolSubscription, Math.max(0, version), bytes.subarray(2), false)
      .topics;
  } catch {
    return null;
  }
}

function decodeAssignmentPartitions(bytes: Buffer): TopicPartition[] | null {
  try {
    if (bytes.length < 2) return [];
    const version = Math.min(bytes.readInt16BE(0), 3);
    const a = decodeFromBuffer(ConsumerProtocolAssignment, Math.max(0, version), bytes.subarray(2), false);
    return a.assignedPartitions.flatMap((t) =>
      t.partitions.map((partition) => ({ topic: t.topic, partition })),
    );
  } catch {
    return null;
  }
}
