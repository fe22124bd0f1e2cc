// RemoveRaftVoter, version 0 (KIP-853, kafka-metadata-quorum.sh remove-controller): a voter leaves the
// quorum (it may be the leader, which leads until the change commits). VOTER_NOT_FOUND when the id and
// directory id name no voter; UNSUPPORTED_VERSION for a static quorum.
import type { RemoveRaftVoterRequest, RemoveRaftVoterResponse } from '../../protocol/messages/index.js';
import { AclOperation, clusterDenied } from './authorize.js';
import { handler } from './handler.js';
import type { ControllerServices } from './services.js';

export const removeRaftVoter = handler<RemoveRaftVoterRequest, RemoveRaftVoterResponse, ControllerServices>({
  apiKey: 81,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, req) {
    const denied = clusterDenied<RemoveRaftVoterResponse>(ctx, AclOperation.ALTER, req);
    if (denied) return denied;
    const r = await ctx.services.voters.remove(req.voterId, req.voterDirectoryId);
    return { throttleTimeMs: 0, ...r };
  },
});
