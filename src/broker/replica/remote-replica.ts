// A leader's view of one follower of a partition (Kafka's Replica / ReplicaState): how far its log
// reaches, as its fetches tell, and when it last was caught up with the leader. The ISR decisions and
// the high watermark are made from these. Pure state: the caller passes the time.

/** Offsets not known yet (no fetch since this broker became leader). */
export const UNKNOWN_OFFSET = -1;

export class RemoteReplica {
  /** The follower's log end offset: the offset of its last fetch. */
  logEndOffset = UNKNOWN_OFFSET;
  logStartOffset = UNKNOWN_OFFSET;
  /** The leader's log end offset when the follower's last fetch arrived. */
  lastFetchLeaderLogEndOffset = UNKNOWN_OFFSET;
  lastFetchTimeMs = 0;
  /**
   * The latest time t at which the follower had fetched everything the leader had at t: the follower
   * lags by now - lastCaughtUpTimeMs (replica.lag.time.max.ms decides when it leaves the ISR).
   */
  lastCaughtUpTimeMs = 0;
  /** The broker epoch its fetches carry (ReplicaState, Fetch v15+); null before the first, -1 when absent. */
  brokerEpoch: number | null = null;

  constructor(readonly brokerId: number) {}

  /** Whether the follower is caught up now: at the leader's end, or caught up within the last maxLagMs. */
  isCaughtUp(leaderEndOffset: number, nowMs: number, maxLagMs: number): boolean {
    return leaderEndOffset === this.logEndOffset || nowMs - this.lastCaughtUpTimeMs <= maxLagMs;
  }

  /** Records a fetch from the follower at `fetchOffset` while the leader's log ended at `leaderEndOffset`. */
  updateFetchState(
    fetchOffset: number,
    logStartOffset: number,
    nowMs: number,
    leaderEndOffset: number,
    brokerEpoch: number,
  ): void {
    if (fetchOffset >= leaderEndOffset) {
      this.lastCaughtUpTimeMs = Math.max(this.lastCaughtUpTimeMs, nowMs);
    } else if (fetchOffset >= this.lastFetchLeaderLogEndOffset) {
      // It has everything the leader had at its previous fetch: it was caught up then.
      this.lastCaughtUpTimeMs = Math.max(this.lastCaughtUpTimeMs, this.lastFetchTimeMs);
    }
    this.logStartOffset = logStartOffset;
    this.logEndOffset = fetchOffset;
    this.lastFetchLeaderLogEndOffset = Math.max(leaderEndOffset, this.lastFetchLeaderLogEndOffset);
    this.lastFetchTimeMs = nowMs;
    this.brokerEpoch = brokerEpoch;
  }

  /**
   * A new leader epoch: a replica in the ISR counts as caught up now, one outside as never (so it does
   * not hold the high watermark back). A new leader forgets what an earlier leadership learned.
   */
  reset(nowMs: number, leaderEndOffset: number, isNewLeader: boolean, inIsr: boolean): void {
    this.lastCaughtUpTimeMs = inIsr ? nowMs : 0;
    if (isNewLeader) {
      this.logEndOffset = UNKNOWN_OFFSET;
      this.logStartOffset = UNKNOWN_OFFSET;
      this.lastFetchLeaderLogEndOffset = UNKNOWN_OFFSET;
      this.lastFetchTimeMs = 0;
      this.brokerEpoch = null;
    } else {
      this.lastFetchLeaderLogEndOffset = leaderEndOffset;
      this.lastFetchTimeMs = inIsr ? nowMs : 0;
    }
  }
}
