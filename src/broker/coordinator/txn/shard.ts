// The transactional ids of one `__transaction_state` partition, rebuilt by replaying its records (the
// latest state of each id; a tombstone removes it). Loading also restarts what a coordinator owes its
// transactions: markers for those prepared to commit or abort, and the timers that abort transactions
// past their timeout and forget ids idle past transactional.id.expiration.ms.
import { DecodeError } from '../../../protocol/index.js';
import type { Logger } from '../../logger.js';
import type { CoordinatorShard, OperationContext, Parked } from '../runtime.js';
import type { MarkerJob } from './markers.js';
import { abortTimedOutTransactions, expireTransactionalIds } from './ops.js';
import { decodeTxnRecord, type TxnRecord } from './records.js';
import type { TxnCoordinatorSettings } from './settings.js';
import { partitionList, type TxnMetadata } from './state.js';

export interface TxnShardDeps {
  settings: TxnCoordinatorSettings;
  /** A new producer id now, or null when none is at hand (the caller then fetches a block first). */
  takeProducerId(): number | null;
  /** Starts writing the markers of a transaction (called once its Prepare state is written). */
  sendMarkers(job: MarkerJob): void;
  log: Logger;
}

export const ABORT_TIMER = 'abort-timed-out-transactions';
export const EXPIRE_TIMER = 'expire-transactional-ids';

/** A request waiting for a transaction's markers (ops.ts, parkWhileBusy). */
export interface Waiter {
  retry(shard: TxnShard, ctx: OperationContext<TxnShard>): unknown;
  parked: Parked<unknown>;
  /** The answer when the wait times out. */
  busy: unknown;
}

export class TxnShard implements CoordinatorShard<TxnShard> {
  readonly txns = new Map<string, TxnMetadata>();
  /** Requests waiting for a transactional id's PrepareCommit/PrepareAbort to complete (soft state). */
  readonly waiters = new Map<string, Waiter[]>();

  constructor(
    readonly partition: number,
    readonly deps: TxnShardDeps,
  ) {}

  get settings(): TxnCoordinatorSettings {
    return this.deps.settings;
  }

  replay(key: Buffer, value: Buffer | null, decoded?: unknown): void {
    let record: TxnRecord;
    try {
      record = (decoded as TxnRecord | undefined) ?? decodeTxnRecord(key, value);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.deps.log.warn('skipping a malformed __transaction_state record', {
        partition: this.partition,
        err: err.message,
      });
      return;
    }
    if (record.metadata === null) this.txns.delete(record.transactionalId);
    else this.txns.set(record.transactionalId, record.metadata);
  }

  onLoaded(ctx: OperationContext<TxnShard>): void {
    for (const m of this.txns.values()) {
      if (m.state === 'PrepareCommit' || m.state === 'PrepareAbort') sendMarkersFor(this, ctx, m);
    }
    scheduleAbortCheck(this, ctx);
    scheduleExpiry(this, ctx);
    this.deps.log.debug('transaction coordinator shard loaded', {
      partition: this.partition,
      transactionalIds: this.txns.size,
    });
  }
}

/** Once the operation's records are written, the markers of `m` (in a Prepare state) go out. */
export function sendMarkersFor(shard: TxnShard, ctx: OperationContext<TxnShard>, m: TxnMetadata): void {
  const job: MarkerJob = {
    txnPartition: ctx.partition,
    coordinatorEpoch: ctx.epoch,
    transactionalId: m.transactionalId,
    producerId: m.producerId,
    producerEpoch: m.producerEpoch,
    commit: m.state === 'PrepareCommit',
    partitions: partitionList(m.partitions),
  };
  ctx.afterWrite(() => shard.deps.sendMarkers(job));
}

function scheduleAbortCheck(shard: TxnShard, ctx: OperationContext<TxnShard>): void {
  ctx.schedule(ABORT_TIMER, shard.settings.abortTimedOutTransactionsIntervalMs, (s, c) => {
    abortTimedOutTransactions(s, c);
    scheduleAbortCheck(s, c);
  });
}

function scheduleExpiry(shard: TxnShard, ctx: OperationContext<TxnShard>): void {
  ctx.schedule(EXPIRE_TIMER, shard.settings.removeExpiredTransactionalIdsIntervalMs, (s, c) => {
    expireTransactionalIds(s, c);
    scheduleExpiry(s, c);
  });
}
