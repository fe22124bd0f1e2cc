// UpdateRaftVoter, version 0 (KIP-853): a voter tells the leader its current endpoints (sent by a
// controller at start-up in a dynamic quorum). The leader records them for the transport and answers
// with itself as current leader.
import { ErrorCode } from '../../protocol/errors.js';
import type { UpdateRaftVoterRequest, UpdateRaftVoterResponse } from '../../protocol/messages/index.js';
import { AclOperation, clusterDenied } from './authorize.js';
import { handler } from './handler.js';
import type { ControllerServices } from './services.js';

export const updateRaftVoter = handler<UpdateRaftVoterRequest, UpdateRaftVoterResponse, ControllerServices>({
  apiKey: 82,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, req) {
    const denied = clusterDenied<UpdateRaftVoterResponse>(ctx, AclOperation.CLUSTER_ACTION, req);
    if (denied) return denied;
    const r = await ctx.services.voters.update({
      id: req.voterId,
      directoryId: req.voterDirectoryId,
      endpoints: req.listeners.map((l) => ({ name: l.name, host: l.host, port: l.port })),
    });
    const s = ctx.services.quorum.status();
    const self = ctx.services.quorum.controllerEndpoints().find((c) => c.id === s.leaderId);
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode === ErrorCode.NONE ? ErrorCode.NONE : r.errorCode,
      currentLeader: {
        leaderId: s.leaderId,
        leaderEpoch: s.epoch,
        host: self?.host ?? '',
        port: self?.port ?? 0,
      },
    };
  },
});
