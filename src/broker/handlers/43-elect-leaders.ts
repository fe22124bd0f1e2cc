// ElectLeaders, versions 0-2 (kafka-leader-election.sh): preferred (0) or unclean (1) elections for the
// named partitions, or for all (null list, v1+ answers only those that needed one). Brokers forward it to
// the active controller. v0 has no election type (preferred) and no top-level error code.
import { ErrorCode } from '../../protocol/errors.js';
import type { ElectLeadersRequest, ElectLeadersResponse } from '../../protocol/messages/index.js';
import { NotController } from '../controller/quorum-controller.js';
import { AclOperation, clusterDenied } from './authorize.js';
import { handler } from './handler.js';
import type { CommonServices } from './services.js';

export const electLeaders = handler<ElectLeadersRequest, ElectLeadersResponse, CommonServices>({
  apiKey: 43,
  minVersion: 0,
  maxVersion: 2,
  forwardable: true,
  async handle(ctx, req) {
    const denied = clusterDenied<ElectLeadersResponse>(ctx, AclOperation.ALTER, req);
    if (denied) return denied;
    const quorum = ctx.services.controller.quorum;
    const r = quorum
      ? await quorum.electLeaders(req.electionType ?? 0, req.topicPartitions)
      : new NotController(-1, 'no controller here');
    if (r instanceof NotController) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NOT_CONTROLLER,
        replicaElectionResults: (req.topicPartitions ?? []).map((t) => ({
          topic: t.topic,
          partitionResult: t.partitions.map((partitionId) => ({
            partitionId,
            errorCode: ErrorCode.NOT_CONTROLLER,
            errorMessage: null,
          })),
        })),
      };
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, replicaElectionResults: r.results };
  },
});
