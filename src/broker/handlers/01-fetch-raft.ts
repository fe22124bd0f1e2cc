// Fetch of the metadata log by voters and observers (KRaft). Versions 12-17: topic ids from 13.
// Served on the controller listener only; the Raft core decides everything (src/raft).
import { quorumRpc } from './quorum-rpc.js';

export const fetchRaft = quorumRpc(1, 12, 17);
