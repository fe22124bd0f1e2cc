// The ISR as a leader knows it (Kafka's PartitionState, KIP-497): the ISR the controller committed,
// or a change this leader proposed through AlterPartition and is waiting for. While an expansion is
// in flight the new replica already counts for the high watermark and acks=all ("maximal ISR": a
// larger ISR is only stricter); while a shrink is in flight the removed replicas still count (the
// change may fail). One change at a time per partition.

/** An ISR member with the broker epoch the leader saw in its fetches (-1: unknown). */
export interface IsrMember {
  brokerId: number;
  brokerEpoch: number;
}

/** What was sent to the controller. */
export interface ProposedIsr {
  leaderEpoch: number;
  partitionEpoch: number;
  isr: readonly IsrMember[];
}

export type IsrState =
  | { kind: 'committed'; isr: readonly number[] }
  | {
      kind: 'pending-expand';
      isr: readonly number[];
      adding: number;
      proposed: ProposedIsr;
    }
  | {
      kind: 'pending-shrink';
      isr: readonly number[];
      removing: readonly number[];
      proposed: ProposedIsr;
    };

export function committedIsr(isr: readonly number[]): IsrState {
  return { kind: 'committed', isr };
}

/** The replicas the high watermark and acks=all wait for. */
export function maximalIsr(state: IsrState): readonly number[] {
  return state.kind === 'pending-expand' ? [...state.isr, state.adding] : state.isr;
}

export function isInflight(state: IsrState): boolean {
  return state.kind !== 'committed';
}
