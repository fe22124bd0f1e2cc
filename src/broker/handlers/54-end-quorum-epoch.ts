// EndQuorumEpoch: a leader steps down and names preferred successors.
// Served on the controller listener only; the Raft core decides everything (src/raft).
import { quorumRpc } from './quorum-rpc.js';

export const endQuorumEpoch = quorumRpc(54, 0, 1);
