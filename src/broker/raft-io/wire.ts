// The Raft core's messages as KRaft puts them on the wire: Vote v2, BeginQuorumEpoch v1,
// EndQuorumEpoch v1, Fetch (v13+, the metadata topic by id) and FetchSnapshot v1, each wrapping one
// partition of `__cluster_metadata` in the topic/partition arrays of the real schemas. Waits in ticks
// become milliseconds; entries become record batches (log-records.ts); the leader's endpoint travels
// in the responses' NodeEndpoints so an observer that only knew a bootstrap address learns it.
import type {
  BeginQuorumEpochRequest as WireBqeRequest,
  BeginQuorumEpochResponse as WireBqeResponse,
  EndQuorumEpochRequest as WireEqeRequest,
  EndQuorumEpochResponse as WireEqeResponse,
  FetchRequest as WireFetchRequest,
  FetchResponse as WireFetchResponse,
  FetchSnapshotRequest as WireFetchSnapshotRequest,
  FetchSnapshotResponse as WireFetchSnapshotResponse,
  VoteRequest as WireVoteRequest,
  VoteResponse as WireVoteResponse,
} from '../../protocol/messages/index.js';
import { recordsBuffer } from '../../protocol/schema/declaration.js';
import type { ErrorCode, MessageBody } from '../../raft/index.js';
import { batchesToEntries, entriesToBatches, splitBatches } from './log-records.js';
import { METADATA_TOPIC, METADATA_TOPIC_ID } from './metadata-log-store.js';
import type { VoterDirectory } from './voter-directory.js';

export const API = {
  Fetch: 1,
  Vote: 52,
  BeginQuorumEpoch: 53,
  EndQuorumEpoch: 54,
  DescribeQuorum: 55,
  FetchSnapshot: 59,
} as const;

/** The versions the transport sends each API at (at least; the connection picks the highest common). */
export const MIN_VERSIONS: Record<number, number> = { 1: 13, 52: 2, 53: 1, 54: 1, 59: 1 };

export interface WireContext {
  tickMs: number;
  directory: VoterDirectory;
  nowMs: () => number;
  /** This node's endpoint on the controller listener, sent as the leader's in responses (null: observer). */
  selfEndpoint: { nodeId: number; host: string; port: number } | null;
}

const CLUSTER = (clusterId: string | null) => clusterId;

// ---- requests: core → wire ----

export function requestToWire(body: MessageBody, ctx: WireContext): { apiKey: number; body: unknown } | null {
  switch (body.kind) {
    case 'VoteRequest': {
      const wire: WireVoteRequest = {
        clusterId: CLUSTER(body.clusterId),
        voterId: body.voterId,
        topics: [
          {
            topicName: METADATA_TOPIC,
            partitions: [
              {
                partitionIndex: 0,
                replicaEpoch: body.replicaEpoch,
                replicaId: body.replicaId,
                replicaDirectoryId: ctx.directory.get(body.replicaId)?.directoryId,
                voterDirectoryId: ctx.directory.get(body.voterId)?.directoryId,
                lastOffsetEpoch: body.lastOffsetEpoch,
                lastOffset: body.lastOffset,
                preVote: body.preVote,
              },
            ],
          },
        ],
      };
      return { apiKey: API.Vote, body: wire };
    }
    case 'BeginQuorumEpochRequest': {
      const wire: WireBqeRequest = {
        clusterId: body.clusterId,
        voterId: body.voterId,
        topics: [
          {
            topicName: METADATA_TOPIC,
            partitions: [{ partitionIndex: 0, leaderId: body.leaderId, leaderEpoch: body.leaderEpoch }],
          },
        ],
        leaderEndpoints: leaderEndpoints(ctx),
      };
      return { apiKey: API.BeginQuorumEpoch, body: wire };
    }
    case 'EndQuorumEpochRequest': {
      const wire: WireEqeRequest = {
        clusterId: body.clusterId,
        topics: [
          {
            topicName: METADATA_TOPIC,
            partitions: [
              {
                partitionIndex: 0,
                leaderId: body.leaderId,
                leaderEpoch: body.leaderEpoch,
                preferredSuccessors: body.preferredCandidates.map((c) => c.candidateId),
                preferredCandidates: body.preferredCandidates.map((c) => ({ candidateId: c.candidateId })),
              },
            ],
          },
        ],
        leaderEndpoints: leaderEndpoints(ctx),
      };
      return { apiKey: API.EndQuorumEpoch, body: wire };
    }
    case 'FetchRequest': {
      const wire: WireFetchRequest = {
        clusterId: body.clusterId,
        replicaId: body.replicaState.replicaId,
        replicaState: {
          replicaId: body.replicaState.replicaId,
          replicaEpoch: body.replicaState.replicaEpoch,
        },
        maxWaitMs: body.maxWaitTicks * ctx.tickMs,
        minBytes: body.minBytes,
        maxBytes: body.maxBytes,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topic: METADATA_TOPIC,
            topicId: METADATA_TOPIC_ID,
            partitions: [
              {
                partition: 0,
                currentLeaderEpoch: body.currentLeaderEpoch,
                fetchOffset: body.fetchOffset,
                lastFetchedEpoch: body.lastFetchedEpoch,
                logStartOffset: body.logStartOffset,
                partitionMaxBytes: body.partitionMaxBytes,
              },
            ],
          },
        ],
        forgottenTopicsData: [],
        rackId: '',
      };
      return { apiKey: API.Fetch, body: wire };
    }
    case 'FetchSnapshotRequest': {
      const wire: WireFetchSnapshotRequest = {
        clusterId: body.clusterId,
        replicaId: body.replicaId,
        maxBytes: body.maxBytes,
        topics: [
          {
            name: METADATA_TOPIC,
            partitions: [
              {
                partition: 0,
                currentLeaderEpoch: body.currentLeaderEpoch,
                snapshotId: { ...body.snapshotId },
                position: body.position,
              },
            ],
          },
        ],
      };
      return { apiKey: API.FetchSnapshot, body: wire };
    }
    default:
      return null;
  }
}

function leaderEndpoints(ctx: WireContext): { name: string; host: string; port: number }[] {
  const self = ctx.selfEndpoint;
  if (!self) return [];
  const info = ctx.directory.get(self.nodeId);
  return info?.endpoints.length ? info.endpoints.map((e) => ({ ...e })) : [];
}

// ---- requests: wire → core ----

export type InboundRequest = { from: number; body: MessageBody } | { error: string };

/** The core's view of a request that arrived, with the replica it came from. */
export function requestFromWire(apiKey: number, req: unknown, ctx: WireContext): InboundRequest {
  switch (apiKey) {
    case API.Vote: {
      const r = req as WireVoteRequest;
      const p = r.topics[0]?.partitions[0];
      if (!p) return { error: 'Vote names no partition' };
      return {
        from: p.replicaId,
        body: {
          kind: 'VoteRequest',
          clusterId: r.clusterId,
          voterId: r.voterId ?? -1,
          replicaEpoch: p.replicaEpoch,
          replicaId: p.replicaId,
          lastOffsetEpoch: p.lastOffsetEpoch,
          lastOffset: p.lastOffset,
          preVote: p.preVote ?? false,
        },
      };
    }
    case API.BeginQuorumEpoch: {
      const r = req as WireBqeRequest;
      const p = r.topics[0]?.partitions[0];
      if (!p) return { error: 'BeginQuorumEpoch names no partition' };
      learnLeader(ctx, p.leaderId, r.leaderEndpoints);
      return {
        from: p.leaderId,
        body: {
          kind: 'BeginQuorumEpochRequest',
          clusterId: r.clusterId,
          voterId: r.voterId ?? -1,
          leaderId: p.leaderId,
          leaderEpoch: p.leaderEpoch,
        },
      };
    }
    case API.EndQuorumEpoch: {
      const r = req as WireEqeRequest;
      const p = r.topics[0]?.partitions[0];
      if (!p) return { error: 'EndQuorumEpoch names no partition' };
      learnLeader(ctx, p.leaderId, r.leaderEndpoints);
      const candidates = p.preferredCandidates?.length
        ? p.preferredCandidates.map((c) => c.candidateId ?? -1)
        : (p.preferredSuccessors ?? []);
      return {
        from: p.leaderId,
        body: {
          kind: 'EndQuorumEpochRequest',
          clusterId: r.clusterId,
          leaderId: p.leaderId,
          leaderEpoch: p.leaderEpoch,
          preferredCandidates: candidates.map((candidateId) => ({ candidateId })),
        },
      };
    }
    case API.Fetch: {
      const r = req as WireFetchRequest;
      const p = r.topics[0]?.partitions[0];
      if (!p) return { error: 'Fetch names no partition' };
      const replicaId = r.replicaState?.replicaId ?? r.replicaId ?? -1;
      const bytesMax = r.maxBytes ?? p.partitionMaxBytes;
      return {
        from: replicaId,
        body: {
          kind: 'FetchRequest',
          clusterId: r.clusterId ?? null,
          replicaState: { replicaId, replicaEpoch: r.replicaState?.replicaEpoch ?? -1 },
          maxWaitTicks: Math.max(0, Math.floor(r.maxWaitMs / ctx.tickMs)),
          minBytes: r.minBytes,
          maxBytes: bytesMax,
          currentLeaderEpoch: p.currentLeaderEpoch ?? -1,
          fetchOffset: p.fetchOffset,
          lastFetchedEpoch: p.lastFetchedEpoch ?? -1,
          logStartOffset: p.logStartOffset ?? -1,
          partitionMaxBytes: p.partitionMaxBytes,
        },
      };
    }
    case API.FetchSnapshot: {
      const r = req as WireFetchSnapshotRequest;
      const p = r.topics[0]?.partitions[0];
      if (!p) return { error: 'FetchSnapshot names no partition' };
      return {
        from: r.replicaId,
        body: {
          kind: 'FetchSnapshotRequest',
          clusterId: r.clusterId ?? null,
          replicaId: r.replicaId,
          maxBytes: r.maxBytes,
          currentLeaderEpoch: p.currentLeaderEpoch,
          snapshotId: { endOffset: p.snapshotId.endOffset, epoch: p.snapshotId.epoch },
          position: p.position,
        },
      };
    }
    default:
      return { error: `API ${apiKey} is not a Raft request` };
  }
}

function learnLeader(
  ctx: WireContext,
  leaderId: number,
  endpoints: { name?: string; host?: string; port?: number }[] | undefined,
): void {
  if (!endpoints?.length) return;
  ctx.directory.learn({
    id: leaderId,
    directoryId: ctx.directory.get(leaderId)?.directoryId ?? 'AAAAAAAAAAAAAAAAAAAAAA',
    endpoints: endpoints.map((e) => ({ name: e.name ?? '', host: e.host ?? '', port: e.port ?? 0 })),
  });
}

// ---- responses: core → wire ----

function nodeEndpoints(ctx: WireContext, leaderId: number): { nodeId: number; host: string; port: number }[] {
  const address = leaderId >= 0 ? ctx.directory.addressOf(leaderId) : null;
  return address ? [{ nodeId: leaderId, host: address.host, port: address.port }] : [];
}

/** The wire response for a core response to an inbound request of `apiKey`. */
export function responseToWire(apiKey: number, body: MessageBody, ctx: WireContext): unknown {
  switch (body.kind) {
    case 'VoteResponse': {
      const wire: WireVoteResponse = {
        errorCode: 0,
        topics: [
          {
            topicName: METADATA_TOPIC,
            partitions: [
              {
                partitionIndex: 0,
                errorCode: body.errorCode,
                leaderId: body.leaderId,
                leaderEpoch: body.leaderEpoch,
                voteGranted: body.voteGranted,
              },
            ],
          },
        ],
        nodeEndpoints: nodeEndpoints(ctx, body.leaderId),
      };
      return wire;
    }
    case 'BeginQuorumEpochResponse':
    case 'EndQuorumEpochResponse': {
      const wire: WireBqeResponse | WireEqeResponse = {
        errorCode: 0,
        topics: [
          {
            topicName: METADATA_TOPIC,
            partitions: [
              {
                partitionIndex: 0,
                errorCode: body.errorCode,
                leaderId: body.leaderId,
                leaderEpoch: body.leaderEpoch,
              },
            ],
          },
        ],
        nodeEndpoints: nodeEndpoints(ctx, body.leaderId),
      };
      return wire;
    }
    case 'FetchResponse': {
      const wire: WireFetchResponse = {
        throttleTimeMs: 0,
        errorCode: 0,
        sessionId: 0,
        responses: [
          {
            topic: METADATA_TOPIC,
            topicId: METADATA_TOPIC_ID,
            partitions: [
              {
                partitionIndex: 0,
                errorCode: body.errorCode,
                highWatermark: body.highWatermark,
                lastStableOffset: body.highWatermark,
                logStartOffset: body.logStartOffset,
                divergingEpoch: body.divergingEpoch
                  ? { ...body.divergingEpoch }
                  : { epoch: -1, endOffset: -1 },
                currentLeader: { ...body.currentLeader },
                snapshotId: body.snapshotId ? { ...body.snapshotId } : { endOffset: -1, epoch: -1 },
                abortedTransactions: null,
                preferredReadReplica: -1,
                records: entriesToBatches(body.records, ctx.directory, ctx.nowMs()),
              },
            ],
          },
        ],
        nodeEndpoints: nodeEndpoints(ctx, body.currentLeader.leaderId),
      };
      return wire;
    }
    case 'FetchSnapshotResponse': {
      const wire: WireFetchSnapshotResponse = {
        throttleTimeMs: 0,
        errorCode: 0,
        topics: [
          {
            name: METADATA_TOPIC,
            partitions: [
              {
                index: 0,
                errorCode: body.errorCode,
                snapshotId: { ...body.snapshotId },
                currentLeader: { ...body.currentLeader },
                size: body.size,
                position: body.position,
                unalignedRecords: Buffer.from(
                  body.unalignedRecords.buffer,
                  body.unalignedRecords.byteOffset,
                  body.unalignedRecords.byteLength,
                ),
              },
            ],
          },
        ],
        nodeEndpoints: nodeEndpoints(ctx, body.currentLeader.leaderId),
      };
      return wire;
    }
    default:
      throw new Error(`raft-io: ${body.kind} is not a response (API ${apiKey})`);
  }
}

// ---- responses: wire → core ----

function learnNodes(
  ctx: WireContext,
  nodes: { nodeId?: number; host?: string; port?: number }[] | undefined,
): void {
  for (const n of nodes ?? []) {
    if (n.nodeId !== undefined && n.host && n.port) ctx.directory.learnEndpoint(n.nodeId, n.host, n.port);
  }
}

/** The core's view of a response; null when it carries nothing the core can use (a top-level error). */
export function responseFromWire(apiKey: number, res: unknown, ctx: WireContext): MessageBody | null {
  switch (apiKey) {
    case API.Vote: {
      const r = res as WireVoteResponse;
      learnNodes(ctx, r.nodeEndpoints);
      const p = r.topics[0]?.partitions[0];
      if (!p) return null;
      return {
        kind: 'VoteResponse',
        errorCode: (r.errorCode || p.errorCode) as ErrorCode,
        leaderId: p.leaderId,
        leaderEpoch: p.leaderEpoch,
        voteGranted: p.voteGranted,
      };
    }
    case API.BeginQuorumEpoch:
    case API.EndQuorumEpoch: {
      const r = res as WireBqeResponse;
      learnNodes(ctx, r.nodeEndpoints);
      const p = r.topics[0]?.partitions[0];
      if (!p) return null;
      return {
        kind: apiKey === API.BeginQuorumEpoch ? 'BeginQuorumEpochResponse' : 'EndQuorumEpochResponse',
        errorCode: (r.errorCode || p.errorCode) as ErrorCode,
        leaderId: p.leaderId,
        leaderEpoch: p.leaderEpoch,
      };
    }
    case API.Fetch: {
      const r = res as WireFetchResponse;
      learnNodes(ctx, r.nodeEndpoints);
      const p = r.responses[0]?.partitions[0];
      if (!p) return null;
      const records = recordsBuffer(p.records);
      const diverging = p.divergingEpoch && (p.divergingEpoch.epoch ?? -1) >= 0 ? p.divergingEpoch : null;
      const snapshot = p.snapshotId && p.snapshotId.endOffset >= 0 ? p.snapshotId : null;
      return {
        kind: 'FetchResponse',
        errorCode: ((r.errorCode ?? 0) || p.errorCode) as ErrorCode,
        highWatermark: p.highWatermark,
        logStartOffset: p.logStartOffset ?? -1,
        divergingEpoch: diverging
          ? { epoch: diverging.epoch ?? -1, endOffset: diverging.endOffset ?? -1 }
          : null,
        currentLeader: {
          leaderId: p.currentLeader?.leaderId ?? -1,
          leaderEpoch: p.currentLeader?.leaderEpoch ?? -1,
        },
        snapshotId: snapshot ? { endOffset: snapshot.endOffset, epoch: snapshot.epoch } : null,
        records: records ? batchesToEntries(splitBatches(records), ctx.directory) : [],
      };
    }
    case API.FetchSnapshot: {
      const r = res as WireFetchSnapshotResponse;
      learnNodes(ctx, r.nodeEndpoints);
      const p = r.topics[0]?.partitions[0];
      if (!p) return null;
      return {
        kind: 'FetchSnapshotResponse',
        errorCode: (r.errorCode || p.errorCode) as ErrorCode,
        snapshotId: { endOffset: p.snapshotId.endOffset, epoch: p.snapshotId.epoch },
        currentLeader: {
          leaderId: p.currentLeader?.leaderId ?? -1,
          leaderEpoch: p.currentLeader?.leaderEpoch ?? -1,
        },
        size: p.size,
        position: p.position,
        unalignedRecords: recordsBuffer(p.unalignedRecords) ?? new Uint8Array(0),
      };
    }
    default:
      return null;
  }
}
