// Fetching from the closest replica (KIP-392): with replica.selector.class set to Kafka's
// RackAwareReplicaSelector, a leader answers a consumer's fetch (v11+, with its client.rack) with the
// replica it should fetch from instead: the leader itself when it is in the consumer's rack, else the
// most caught-up in-sync follower in that rack that holds the fetch offset. LeaderSelector (and no
// selector) always keeps the consumer on the leader.
import type { Partition } from './partition.js';

export type ReplicaSelector = 'rack-aware' | 'leader' | null;

export function selectorOf(className: string | null | undefined): ReplicaSelector {
  if (!className) return null;
  if (className.endsWith('RackAwareReplicaSelector')) return 'rack-aware';
  return 'leader';
}

/** Where the brokers are (from the metadata image). */
export interface RackView {
  /** The rack of a registered, unfenced broker; undefined when it is not alive, null when it has none. */
  rackOf(brokerId: number): string | null | undefined;
}

/**
 * The replica a consumer in `clientRack` should read `p` from, or -1 to stay on this leader (no
 * selector, no rack, or no better replica).
 */
export function preferredReadReplica(
  p: Partition,
  selector: ReplicaSelector,
  clientRack: string,
  fetchOffset: number,
  racks: RackView,
  nowMs: number,
): number {
  const state = p.leaderState;
  if (selector !== 'rack-aware' || !state || clientRack === '') return -1;
  if (racks.rackOf(p.host.nodeId) === clientRack) return -1;
  let best = -1;
  let bestEnd = -1;
  let bestSinceCaughtUp = Number.POSITIVE_INFINITY;
  for (const r of state.remotes.values()) {
    if (!state.isr.isr.includes(r.brokerId)) continue;
    if (r.logEndOffset < fetchOffset || r.logStartOffset > fetchOffset) continue;
    if (racks.rackOf(r.brokerId) !== clientRack) continue;
    const since = nowMs - r.lastCaughtUpTimeMs;
    if (r.logEndOffset > bestEnd || (r.logEndOffset === bestEnd && since < bestSinceCaughtUp)) {
      best = r.brokerId;
      bestEnd = r.logEndOffset;
      bestSinceCaughtUp = since;
    }
  }
  return best;
}
