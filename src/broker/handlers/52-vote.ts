// Vote (KIP-595, pre-vote from v2, KIP-996).
// Served on the controller listener only; the Raft core decides everything (src/raft).
import { quorumRpc } from './quorum-rpc.js';

export const vote = quorumRpc(52, 0, 2);
