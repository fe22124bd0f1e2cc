// What a partition's leader tracks beyond its log (Kafka's Partition on the leader): the followers'
// progress, the ISR (committed or being changed), and from these the high watermark, which followers
// are out of sync, and which may join the ISR. Decisions only: the partition applies them (moves the
// high watermark, sends AlterPartition). Time and the cluster's view of brokers are passed in.
import { type IsrMember, type IsrState, isInflight, maximalIsr, type ProposedIsr } from './isr-state.js';
import { RemoteReplica } from './remote-replica.js';

/** What the leader needs to know about other brokers (from the metadata image). */
export interface BrokerView {
  /** The broker's epoch while it is registered and unfenced, else undefined. */
  aliveEpoch(brokerId: number): number | undefined;
  /** Registered, unfenced and not shutting down: may join an ISR. */
  isIsrEligible(brokerId: number): boolean;
}

export class LeaderState {
  readonly remotes = new Map<number, RemoteReplica>();
  isr: IsrState;
  /** The offset where the current leader epoch started on this leader: followers join the ISR past it. */
  epochStartOffset: number;

  constructor(
    readonly localId: number,
    replicas: readonly number[],
    isr: readonly number[],
    epochStartOffset: number,
  ) {
    this.isr = { kind: 'committed', isr: [...isr] };
    this.epochStartOffset = epochStartOffset;
    this.setReplicas(replicas);
  }

  /** Follows the assignment: new followers are tracked, removed ones forgotten. */
  setReplicas(replicas: readonly number[]): void {
    for (const id of replicas) {
      if (id !== this.localId && !this.remotes.has(id)) this.remotes.set(id, new RemoteReplica(id));
    }
    for (const id of [...this.remotes.keys()]) if (!replicas.includes(id)) this.remotes.delete(id);
  }

  /** A new leader epoch on this leader: every follower's progress restarts from the ISR's word. */
  resetFollowers(nowMs: number, leaderEndOffset: number, isNewLeader: boolean): void {
    const isr = this.isr.isr;
    for (const r of this.remotes.values())
      r.reset(nowMs, leaderEndOffset, isNewLeader, isr.includes(r.brokerId));
  }

  /**
   * The high watermark the followers allow: the smallest log end among the (maximal) ISR, and among
   * followers that are caught up and eligible to join it (so a follower about to join is not left
   * behind by a high watermark that keeps running ahead of it).
   */
  highWatermarkCandidate(
    leaderEndOffset: number,
    nowMs: number,
    maxLagMs: number,
    brokers: BrokerView,
  ): number {
    const maximal = maximalIsr(this.isr);
    let hw = leaderEndOffset;
    for (const r of this.remotes.values()) {
      if (r.logEndOffset >= hw) continue;
      if (
        maximal.includes(r.brokerId) ||
        (r.isCaughtUp(leaderEndOffset, nowMs, maxLagMs) && this.isEligible(r, brokers))
      ) {
        hw = r.logEndOffset;
      }
    }
    return hw;
  }

  /** Whether the follower may join the ISR: eligible, and its fetch epoch matches the registration. */
  private isEligible(r: RemoteReplica, brokers: BrokerView): boolean {
    if (!brokers.isIsrEligible(r.brokerId)) return false;
    const alive = brokers.aliveEpoch(r.brokerId);
    return r.brokerEpoch !== null && alive !== undefined && (r.brokerEpoch === -1 || r.brokerEpoch === alive);
  }

  /** A follower that should join the ISR now (caught up to the high watermark within this epoch). */
  wantsToJoin(brokerId: number, highWatermark: number, brokers: BrokerView): boolean {
    if (isInflight(this.isr) || this.isr.isr.includes(brokerId)) return false;
    const r = this.remotes.get(brokerId);
    if (!r || !this.isEligible(r, brokers)) return false;
    return r.logEndOffset >= highWatermark && r.logEndOffset >= this.epochStartOffset;
  }

  /** ISR members (other than the leader) that fell behind: not caught up within maxLagMs. */
  outOfSync(leaderEndOffset: number, nowMs: number, maxLagMs: number): number[] {
    if (isInflight(this.isr)) return [];
    return this.isr.isr.filter((id) => {
      if (id === this.localId) return false;
      const r = this.remotes.get(id);
      return !r?.isCaughtUp(leaderEndOffset, nowMs, maxLagMs);
    });
  }

  /** The ISR with the broker epochs the leader knows (its own from the image; -1 when unknown). */
  withEpochs(isr: readonly number[], localEpoch: number): IsrMember[] {
    return isr.map((brokerId) => ({
      brokerId,
      brokerEpoch: brokerId === this.localId ? localEpoch : (this.remotes.get(brokerId)?.brokerEpoch ?? -1),
    }));
  }

  prepareExpand(adding: number, proposed: Omit<ProposedIsr, 'isr'>, localEpoch: number): ProposedIsr {
    const next = [...this.isr.isr, adding];
    const sent = { ...proposed, isr: this.withEpochs(next, localEpoch) };
    this.isr = { kind: 'pending-expand', isr: this.isr.isr, adding, proposed: sent };
    return sent;
  }

  prepareShrink(removing: number[], proposed: Omit<ProposedIsr, 'isr'>, localEpoch: number): ProposedIsr {
    const next = this.isr.isr.filter((id) => !removing.includes(id));
    const sent = { ...proposed, isr: this.withEpochs(next, localEpoch) };
    this.isr = { kind: 'pending-shrink', isr: this.isr.isr, removing, proposed: sent };
    return sent;
  }
}
