// DescribeQuorum, versions 0-2 (kafka-metadata-quorum.sh describe): the leader of the metadata quorum
// describes its epoch, high watermark, voters and observers (log end offsets, last fetch and caught-up
// times; directory ids from v2, and the voters' endpoints in `nodes`). Only the leader knows this;
// another controller answers NOT_LEADER_OR_FOLLOWER, and brokers forward the request to the controller.
import { ErrorCode } from '../../protocol/errors.js';
import type {
  DescribeQuorumRequest,
  DescribeQuorumResponse,
  DescribeQuorumResponseReplicaState,
} from '../../protocol/messages/index.js';
import { METADATA_TOPIC } from '../raft-io/metadata-log-store.js';
import { AclOperation, clusterDenied } from './authorize.js';
import { handler } from './handler.js';
import type { CommonServices } from './services.js';

export const describeQuorum = handler<DescribeQuorumRequest, DescribeQuorumResponse, CommonServices>({
  apiKey: 55,
  minVersion: 0,
  maxVersion: 2,
  forwardable: true,
  handle(ctx, req) {
    const denied = clusterDenied<DescribeQuorumResponse>(ctx, AclOperation.DESCRIBE, req);
    if (denied) return denied;
    const topic = req.topics[0];
    const partition = topic?.partitions[0];
    if (!topic || topic.topicName !== METADATA_TOPIC || !partition || partition.partitionIndex !== 0)
      return {
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: 'DescribeQuorum is only for __cluster_metadata-0',
        topics: [],
        nodes: [],
      };
    const quorum = ctx.services.quorum;
    const s = quorum.status();
    const base = {
      partitionIndex: 0,
      leaderId: s.leaderId,
      leaderEpoch: s.epoch,
      highWatermark: s.highWatermark,
    };
    if (s.role !== 'leader') {
      return {
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        topics: [
          {
            topicName: METADATA_TOPIC,
            partitions: [
              {
                ...base,
                errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER,
                errorMessage: null,
                currentVoters: [],
                observers: [],
              },
            ],
          },
        ],
        nodes: [],
      };
    }
    const now = ctx.services.now();
    const ago = (ticks: number) => (ticks < 0 ? -1 : now - ticks * quorum.tickMs);
    const byId = new Map(quorum.replicaStatuses().map((r) => [r.replicaId, r]));
    const state = (id: number): DescribeQuorumResponseReplicaState => {
      if (id === s.id)
        return {
          replicaId: id,
          replicaDirectoryId: quorum.voter(id)?.directoryId,
          logEndOffset: s.logEndOffset,
          lastFetchTimestamp: now,
          lastCaughtUpTimestamp: now,
        };
      const r = byId.get(id);
      return {
        replicaId: id,
        replicaDirectoryId: quorum.voter(id)?.directoryId,
        logEndOffset: r?.logEndOffset ?? -1,
        lastFetchTimestamp: r ? ago(r.ticksSinceFetch) : -1,
        lastCaughtUpTimestamp: r ? ago(r.ticksSinceCaughtUp) : -1,
      };
    };
    const observers = [...byId.keys()]
      .filter((id) => !s.voters.includes(id) && id >= 0)
      .sort((a, b) => a - b);
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      topics: [
        {
          topicName: METADATA_TOPIC,
          partitions: [
            {
              ...base,
              errorCode: ErrorCode.NONE,
              errorMessage: null,
              currentVoters: s.voters.map(state),
              observers: observers.map(state),
            },
          ],
        },
      ],
      nodes: s.voters.map((id) => ({
        nodeId: id,
        listeners: (quorum.voter(id)?.endpoints ?? []).map((e) => ({ ...e })),
      })),
    };
  },
});
