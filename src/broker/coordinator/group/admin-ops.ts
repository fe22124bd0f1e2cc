// DescribeGroups, ListGroups and DeleteGroups for the groups of one partition.
import { ErrorCode } from '../../../protocol/errors.js';
import type { OperationContext } from '../runtime.js';
import { EMPTY_BYTES } from './classic-group.js';
import { groupMetadataTombstone, offsetCommitTombstone } from './records.js';
import type { GroupShard } from './shard.js';

export interface DescribedMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  memberMetadata: Buffer;
  memberAssignment: Buffer;
}

export interface DescribedGroup {
  errorCode: number;
  groupId: string;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: DescribedMember[];
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  groupState: string;
  groupType: string;
}

export function describedGroupError(groupId: string, errorCode: number): DescribedGroup {
  return { errorCode, groupId, groupState: '', protocolType: '', protocolData: '', members: [] };
}

/** An unknown group is described as Dead, without error, as Kafka does. */
export function describeGroup(shard: GroupShard, groupId: string): DescribedGroup {
  const group = shard.groups.get(groupId);
  if (!group) return { ...describedGroupError(groupId, ErrorCode.NONE), groupState: 'Dead' };
  // Member metadata is shown only once the group has settled on a protocol (Stable).
  const stable = group.is('Stable');
  return {
    errorCode: ErrorCode.NONE,
    groupId,
    groupState: group.state,
    protocolType: group.protocolType ?? '',
    protocolData: stable ? (group.protocolName ?? '') : '',
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      memberMetadata: stable ? m.metadata(group.protocolName) : EMPTY_BYTES,
      memberAssignment: m.assignment,
    })),
  };
}

/** Groups matching the filters (case-insensitive states, v4; types, v5: every group here is classic). */
export function listGroups(
  shard: GroupShard,
  states: readonly string[],
  types: readonly string[],
): ListedGroup[] {
  const stateSet = new Set(states.map((s) => s.trim().toLowerCase()));
  const typeSet = new Set(types.map((t) => t.toLowerCase()));
  if (typeSet.size > 0 && !typeSet.has('classic')) return [];
  const out: ListedGroup[] = [];
  for (const group of shard.groups.values()) {
    if (stateSet.size > 0 && !stateSet.has(group.state.toLowerCase())) continue;
    out.push({
      groupId: group.groupId,
      protocolType: group.protocolType ?? '',
      groupState: group.state,
      groupType: 'classic',
    });
  }
  return out;
}

/** Deletes Empty groups with their offsets, by tombstones. */
export function deleteGroups(
  shard: GroupShard,
  ctx: OperationContext<GroupShard>,
  groupIds: readonly string[],
): { groupId: string; errorCode: number }[] {
  const records = [];
  const results = [];
  for (const groupId of groupIds) {
    const group = shard.groups.get(groupId);
    let errorCode: number = ErrorCode.NONE;
    if (!group || group.is('Dead')) errorCode = ErrorCode.GROUP_ID_NOT_FOUND;
    else if (!group.is('Empty')) errorCode = ErrorCode.NON_EMPTY_GROUP;
    if (errorCode === ErrorCode.NONE) {
      for (const [topic, byPartition] of shard.offsetsOf(groupId) ?? []) {
        for (const partition of byPartition.keys())
          records.push(offsetCommitTombstone(groupId, topic, partition));
      }
      records.push(groupMetadataTombstone(groupId));
    }
    results.push({ groupId, errorCode });
  }
  ctx.append(records);
  return results;
}
