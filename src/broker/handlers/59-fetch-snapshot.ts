// FetchSnapshot: a replica behind the leader's log start fetches its snapshot in chunks.
// Served on the controller listener only; the Raft core decides everything (src/raft).
import { quorumRpc } from './quorum-rpc.js';

export const fetchSnapshot = quorumRpc(59, 0, 1);
