// BeginQuorumEpoch: a new leader announces itself.
// Served on the controller listener only; the Raft core decides everything (src/raft).
import { quorumRpc } from './quorum-rpc.js';

export const beginQuorumEpoch = quorumRpc(53, 0, 1);
