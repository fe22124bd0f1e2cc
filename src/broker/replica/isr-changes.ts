// ISR changes a leader makes (Kafka's Partition.maybeExpandIsr / maybeShrinkIsr and the handling of
// the AlterPartition answer): a follower that caught up joins, one that fell behind for longer than
// replica.lag.time.max.ms leaves. Each change is proposed to the controller with the leader and
// partition epochs, so a stale leader cannot change anything; the ISR changes here only when the
// controller answers that it did.
import { ErrorCode } from '../../protocol/errors.js';
import type { AlterOutcome } from './alter-partition-manager.js';
import { committedIsr, type IsrState, type ProposedIsr } from './isr-state.js';
import type { Partition } from './partition.js';

/** After a follower's fetch: proposes adding it to the ISR when it has caught up. */
export function maybeExpandIsr(p: Partition, replicaId: number): void {
  const state = p.leaderState;
  if (!state?.wantsToJoin(replicaId, p.log.highWatermark, p.host.brokers)) return;
  const proposed = state.prepareExpand(
    replicaId,
    { leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch },
    p.host.localBrokerEpoch(),
  );
  p.host.log.info('expanding ISR', {
    topic: p.topic,
    partition: p.index,
    from: state.isr.isr,
    adding: replicaId,
  });
  submit(p, state.isr, proposed);
}

/** Periodically: proposes removing the ISR members that are out of sync. */
export function maybeShrinkIsr(p: Partition): void {
  const state = p.leaderState;
  if (!state) return;
  const nowMs = p.host.now();
  const out = state.outOfSync(p.log.logEndOffset, nowMs, p.host.replicaLagTimeMaxMs);
  if (out.length === 0) return;
  p.host.log.info('shrinking ISR', {
    topic: p.topic,
    partition: p.index,
    from: state.isr.isr,
    removing: out,
    highWatermark: p.log.highWatermark,
    logEndOffset: p.log.logEndOffset,
    lagging: out.map((id) => {
      const r = state.remotes.get(id);
      return {
        id,
        logEndOffset: r?.logEndOffset ?? -1,
        lastCaughtUpMsAgo: r ? nowMs - r.lastCaughtUpTimeMs : -1,
      };
    }),
  });
  const proposed = state.prepareShrink(
    out,
    { leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch },
    p.host.localBrokerEpoch(),
  );
  submit(p, state.isr, proposed);
  // An expansion counts the new replica at once; a shrink waits for the answer. Either way the
  // high watermark may move now (the set it waits for changed).
  p.maybeIncrementHighWatermark();
}

function submit(p: Partition, pending: IsrState, proposed: ProposedIsr): void {
  p.maybeIncrementHighWatermark();
  p.host.submitIsr(p, proposed).then((outcome) => onAnswer(p, pending, proposed, outcome));
}

function onAnswer(p: Partition, pending: IsrState, proposed: ProposedIsr, outcome: AlterOutcome): void {
  const state = p.leaderState;
  // The partition's state moved on (new metadata, new leadership): this answer is stale.
  if (!state || state.isr !== pending || pending.kind === 'committed') return;
  if (outcome.kind === 'ok') {
    if (outcome.leaderEpoch !== p.leaderEpoch || outcome.partitionEpoch < p.partitionEpoch) {
      p.host.onIsrChanged(p, 'failed');
      return;
    }
    state.isr = committedIsr(outcome.isr);
    p.partitionEpoch = outcome.partitionEpoch;
    p.host.log.info('ISR updated', {
      topic: p.topic,
      partition: p.index,
      isr: outcome.isr,
      partitionEpoch: outcome.partitionEpoch,
      underMinIsr: p.isUnderMinIsr,
    });
    p.host.onIsrChanged(p, pending.kind === 'pending-expand' ? 'expand' : 'shrink');
    if (!p.maybeIncrementHighWatermark()) p.host.onHighWatermark(p); // acks=all waits see the new ISR
    return;
  }
  p.host.onIsrChanged(p, 'failed');
  switch (outcome.errorCode) {
    case ErrorCode.OPERATION_NOT_ATTEMPTED:
    case ErrorCode.INELIGIBLE_REPLICA:
      // The controller says nothing was applied and our partition epoch is current: back to it.
      state.isr = committedIsr(pending.isr);
      p.maybeIncrementHighWatermark();
      return;
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.UNKNOWN_TOPIC_ID:
    case ErrorCode.FENCED_LEADER_EPOCH:
    case ErrorCode.INVALID_UPDATE_VERSION:
    case ErrorCode.INVALID_REQUEST:
    case ErrorCode.NEW_LEADER_ELECTED:
      // This leader's view is stale; newer metadata is on its way and will reset the state.
      p.host.log.info('ISR change refused; waiting for newer metadata', {
        topic: p.topic,
        partition: p.index,
        errorCode: outcome.errorCode,
      });
      return;
    default:
      p.host.log.warn('ISR change failed; retrying', {
        topic: p.topic,
        partition: p.index,
        errorCode: outcome.errorCode,
      });
      submit(p, pending, proposed);
  }
}
