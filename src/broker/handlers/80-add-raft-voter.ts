// AddRaftVoter, version 0 (KIP-853, kafka-metadata-quorum.sh add-controller): a controller that already
// replicates the metadata log as an observer becomes a voter, once it has caught up. Needs a dynamic
// quorum (kraft.version 1: UNSUPPORTED_VERSION otherwise); DUPLICATE_VOTER, REQUEST_TIMED_OUT (not caught
// up in time), NOT_LEADER_OR_FOLLOWER elsewhere than on the leader.
import type { AddRaftVoterRequest, AddRaftVoterResponse } from '../../protocol/messages/index.js';
import { AclOperation, clusterDenied } from './authorize.js';
import { handler } from './handler.js';
import type { ControllerServices } from './services.js';

export const addRaftVoter = handler<AddRaftVoterRequest, AddRaftVoterResponse, ControllerServices>({
  apiKey: 80,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, req) {
    const denied = clusterDenied<AddRaftVoterResponse>(ctx, AclOperation.ALTER, req);
    if (denied) return denied;
    const r = await ctx.services.voters.add({
      id: req.voterId,
      directoryId: req.voterDirectoryId,
      endpoints: req.listeners.map((l) => ({ name: l.name, host: l.host, port: l.port })),
    });
    return { throttleTimeMs: 0, ...r };
  },
});
