// Consumer groups as a test sees them: described and their offsets read straight from the group
// coordinator (no client), and polling helpers that say what they last saw when they give up.
import type { DescribedGroup } from '../broker/coordinator/group/admin-ops.js';
import type { GroupCoordinator } from '../broker/coordinator/group/coordinator.js';
import { ErrorCode, errorInfo } from '../protocol/errors.js';
import { ConsumerProtocolAssignment } from '../protocol/internal/message-data.js';
import { decodeFromBuffer } from '../protocol/schema/codec.js';
import { EmbeddedBrokerError } from './records.js';
import type {
  CommittedOffsets,
  GroupDescription,
  GroupState,
  MemberDescription,
  WaitForGroupOptions,
  WaitOptions,
} from './types.js';

const WAIT_MS_DEFAULT = 10_000;
const POLL_MS = 5;
/** Answers that mean "try again in a moment": the coordinator is (re)loading or its topic is being made. */
const TRANSIENT = new Set<number>([
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
]);

export async function describeGroupOf(groups: GroupCoordinator, groupId: string): Promise<GroupDescription> {
  const [g] = await groups.describeGroups([groupId]);
  // No coordinator (no __consumer_offsets yet) or a loading one: there is no group to show yet.
  if (g.errorCode === ErrorCode.NOT_COORDINATOR || TRANSIENT.has(g.errorCode))
    return { groupId, state: 'Dead', protocolType: '', protocol: '', members: [] };
  if (g.errorCode !== ErrorCode.NONE) throw groupError(`describeGroup ${groupId}`, g.errorCode);
  return describe(g);
}

function describe(g: DescribedGroup): GroupDescription {
  return {
    groupId: g.groupId,
    state: g.groupState as GroupState,
    protocolType: g.protocolType,
    protocol: g.protocolData,
    members: g.members.map(
      (m): MemberDescription => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        assignment: g.protocolType === 'consumer' ? consumerAssignment(m.memberAssignment) : null,
      }),
    ),
  };
}

/** A consumer-protocol assignment (version int16, then the body); null when empty or not one. */
export function consumerAssignment(bytes: Buffer): Record<string, number[]> | null {
  if (bytes.length < 2) return null;
  try {
    const version = Math.min(bytes.readInt16BE(0), 3);
    if (version < 0) return null;
    const a = decodeFromBuffer(ConsumerProtocolAssignment, version, bytes.subarray(2), false);
    const out: Record<string, number[]> = {};
    for (const t of a.assignedPartitions)
      out[t.topic] = [...(out[t.topic] ?? []), ...t.partitions].sort((x, y) => x - y);
    return out;
  } catch {
    return null;
  }
}

export async function fetchCommittedOffsets(
  groups: GroupCoordinator,
  groupId: string,
): Promise<CommittedOffsets> {
  for (;;) {
    const fetched = await groups.fetchOffsets(groupId, null);
    if (fetched.errorCode === ErrorCode.NOT_COORDINATOR) return {};
    if (TRANSIENT.has(fetched.errorCode)) {
      await sleep(POLL_MS);
      continue;
    }
    if (fetched.errorCode !== ErrorCode.NONE)
      throw groupError(`committedOffsets ${groupId}`, fetched.errorCode);
    const out: CommittedOffsets = {};
    for (const t of [...fetched.topics].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      for (const p of [...t.partitions].sort((a, b) => a.partition - b.partition)) {
        if (p.errorCode !== ErrorCode.NONE || p.offset < 0) continue;
        out[t.name] ??= {};
        out[t.name][p.partition] = p.offset;
      }
    }
    return out;
  }
}

/**
 * Calls `read` until `done` accepts its answer, every few ms of real time; after `timeoutMs` rejects
 * with `describe` of the last answer.
 */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  describe: (value: T) => string,
  timeoutMs = WAIT_MS_DEFAULT,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (performance.now() >= deadline)
      throw new EmbeddedBrokerError(`${describe(value)} after ${timeoutMs} ms`, 'TIMEOUT');
    await sleep(POLL_MS);
  }
}

/** Polls a group's description until it is in `options.state` (Stable) with `options.members`, if given. */
export function waitForGroupState(
  describe: () => Promise<GroupDescription>,
  groupId: string,
  options: WaitForGroupOptions,
): Promise<GroupDescription> {
  const state = options.state ?? 'Stable';
  const { members } = options;
  return pollUntil(
    describe,
    (g) => g.state === state && (members === undefined || g.members.length === members),
    (g) =>
      `group ${groupId} is ${g.state} with ${g.members.length} member(s), not ${state}${members === undefined ? '' : ` with ${members}`}`,
    options.timeoutMs,
  );
}

/** Polls a group's committed offsets until the partition's is at least `offset`; returns it. */
export async function waitForCommittedOffsetOf(
  committed: () => Promise<CommittedOffsets>,
  at: { groupId: string; topic: string; partition: number; offset: number },
  options: WaitOptions,
): Promise<number> {
  const { groupId, topic, partition, offset } = at;
  const of = (o: CommittedOffsets) => o[topic]?.[partition];
  const found = await pollUntil(
    committed,
    (o) => (of(o) ?? -1) >= offset,
    (o) =>
      `group ${groupId} has committed ${of(o) ?? 'nothing'} for ${topic}-${partition}, not ${offset} or more`,
    options.timeoutMs,
  );
  return of(found) as number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function groupError(what: string, code: number): EmbeddedBrokerError {
  const name = errorInfo(code).name;
  return new EmbeddedBrokerError(`${what}: ${name}`, name);
}
