// The transaction coordinator's operations, as Kafka's TransactionCoordinator does them. Each runs
// synchronously against a shard: it checks the request against the id's state and, for a transition,
// appends the id's whole new state (replayed into the shard at once; the response leaves once it is
// written). A transaction ends in two writes: PrepareCommit/PrepareAbort, after which the client is
// answered and the markers go out, and CompleteCommit/CompleteAbort once every marker is written.
import { ErrorCode } from '../../../protocol/errors.js';
import type { OperationContext, Parked } from '../runtime.js';
import { txnRecord, txnTombstone } from './records.js';
import { sendMarkersFor, type TxnShard, type Waiter } from './shard.js';
import {
  containsAll,
  EPOCH_MAX,
  isEpochExhausted,
  isExpirationAllowed,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  type TopicPartitions,
  type TxnMetadata,
  withPartitions,
} from './state.js';

type Ctx = OperationContext<TxnShard>;

export interface ProducerResult {
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

const failed = (errorCode: number): ProducerResult => ({
  errorCode,
  producerId: NO_PRODUCER_ID,
  producerEpoch: NO_PRODUCER_EPOCH,
});

/** What an operation answers when the id's previous transaction is still writing its markers. */
const BUSY: unique symbol = Symbol('busy');
type Busy = typeof BUSY;

function busyState(m: TxnMetadata): boolean {
  return m.state === 'PrepareCommit' || m.state === 'PrepareAbort';
}

const waitTimer = (transactionalId: string) => `wait:${transactionalId}`;

/**
 * Runs `attempt`; if the id's previous transaction is still writing its markers (BUSY), the request
 * waits (parked) until it completes and is then attempted again, or, after concurrentTransactionsWaitMs,
 * answered `busy` (CONCURRENT_TRANSACTIONS), which clients retry after a backoff.
 */
function parkWhileBusy<R>(
  shard: TxnShard,
  ctx: Ctx,
  transactionalId: string,
  attempt: (s: TxnShard, c: Ctx) => R | Busy,
  busy: R,
): R | Parked<R> {
  const r = attempt(shard, ctx);
  if (r !== BUSY) return r;
  const parked = ctx.park<R>();
  if (!parked) return busy;
  addWaiter(shard, ctx, transactionalId, { retry: attempt, parked: parked as Parked<unknown>, busy });
  return parked;
}

function addWaiter(shard: TxnShard, ctx: Ctx, transactionalId: string, w: Waiter): void {
  let list = shard.waiters.get(transactionalId);
  if (!list) {
    list = [];
    shard.waiters.set(transactionalId, list);
    ctx.schedule(waitTimer(transactionalId), shard.settings.concurrentTransactionsWaitMs, (s, c) =>
      releaseWaiters(s, c, transactionalId, true),
    );
  }
  list.push(w);
}

/** The id's transaction completed (or the wait timed out): the waiting requests go on. */
function releaseWaiters(shard: TxnShard, ctx: Ctx, transactionalId: string, timedOut: boolean): void {
  const list = shard.waiters.get(transactionalId);
  if (!list) return;
  shard.waiters.delete(transactionalId);
  ctx.cancel(waitTimer(transactionalId));
  for (const w of list) {
    if (timedOut) {
      ctx.complete(w.parked, w.busy);
      continue;
    }
    const r = w.retry(shard, ctx);
    if (r === BUSY) addWaiter(shard, ctx, transactionalId, w);
    else ctx.complete(w.parked, r);
  }
}

/** Writes `m` as the id's new state. */
function transit(shard: TxnShard, ctx: Ctx, m: TxnMetadata): void {
  const valueVersion = shard.settings.transactionVersion >= 1 ? 1 : 0;
  ctx.append([txnRecord(m, valueVersion)]);
}

// ---- InitProducerId ---------------------------------------------------------------------------------

export interface InitRequest {
  transactionalId: string;
  transactionTimeoutMs: number;
  /** The producer id and epoch a producer already has (InitProducerId v3+), -1 when none. */
  producerId: number;
  producerEpoch: number;
}

/**
 * InitProducerId of a transactional id: a new id gets a producer id; an existing one a bumped epoch
 * (fencing the producer that had it); an open transaction is aborted first (CONCURRENT_TRANSACTIONS
 * tells the client to retry once it is).
 */
export function initProducerId(
  shard: TxnShard,
  ctx: Ctx,
  req: InitRequest,
): ProducerResult | Parked<ProducerResult> {
  return parkWhileBusy(
    shard,
    ctx,
    req.transactionalId,
    (s, c) => initOnce(s, c, req),
    failed(ErrorCode.CONCURRENT_TRANSACTIONS),
  );
}

function initOnce(shard: TxnShard, ctx: Ctx, req: InitRequest): ProducerResult | Busy {
  let m = shard.txns.get(req.transactionalId);
  if (!m) {
    const producerId = shard.deps.takeProducerId();
    if (producerId === null) return failed(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    m = newMetadata(req.transactionalId, producerId, req.transactionTimeoutMs, ctx.now);
  }
  const expected = req.producerId >= 0 ? { producerId: req.producerId, epoch: req.producerEpoch } : null;
  if (expected && !isValidProducerId(m, expected)) return failed(ErrorCode.PRODUCER_FENCED);
  switch (m.state) {
    case 'PrepareCommit':
    case 'PrepareAbort':
      return BUSY;
    case 'Ongoing':
      fenceAndAbort(shard, ctx, m);
      return failed(ErrorCode.CONCURRENT_TRANSACTIONS);
    case 'Empty':
    case 'CompleteCommit':
    case 'CompleteAbort':
      return initEpoch(shard, ctx, m, req.transactionTimeoutMs, expected);
    default:
      return failed(ErrorCode.CONCURRENT_TRANSACTIONS);
  }
}

function newMetadata(
  transactionalId: string,
  producerId: number,
  timeoutMs: number,
  now: number,
): TxnMetadata {
  return {
    transactionalId,
    producerId,
    previousProducerId: NO_PRODUCER_ID,
    nextProducerId: NO_PRODUCER_ID,
    producerEpoch: NO_PRODUCER_EPOCH,
    lastProducerEpoch: NO_PRODUCER_EPOCH,
    txnTimeoutMs: timeoutMs,
    state: 'Empty',
    partitions: new Map(),
    txnStartTimestamp: -1,
    txnLastUpdateTimestamp: now,
    clientTransactionVersion: 0,
  };
}

/**
 * A producer that gives its id and epoch is fenced unless the id is new (epoch -1), it names the
 * current producer id, or it names the previous one with an exhausted epoch (a retry after a rotation).
 */
function isValidProducerId(m: TxnMetadata, expected: { producerId: number; epoch: number }): boolean {
  return (
    m.producerEpoch === NO_PRODUCER_EPOCH ||
    expected.producerId === m.producerId ||
    (expected.producerId === m.previousProducerId && isEpochExhausted(expected.epoch))
  );
}

function initEpoch(
  shard: TxnShard,
  ctx: Ctx,
  m: TxnMetadata,
  timeoutMs: number,
  expected: { producerId: number; epoch: number } | null,
): ProducerResult {
  let producerId = m.producerId;
  let epoch: number;
  let lastEpoch: number;
  if (isEpochExhausted(m.producerEpoch)) {
    if (expected && expected.epoch !== m.producerEpoch) return failed(ErrorCode.PRODUCER_FENCED);
    const rotated = shard.deps.takeProducerId();
    if (rotated === null) return failed(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    producerId = rotated;
    epoch = 0;
    lastEpoch = expected ? m.producerEpoch : NO_PRODUCER_EPOCH;
  } else if (!expected) {
    epoch = m.producerEpoch + 1;
    lastEpoch = NO_PRODUCER_EPOCH;
  } else if (m.producerEpoch === NO_PRODUCER_EPOCH || expected.epoch === m.producerEpoch) {
    // The producer goes on after an error, and no other producer took the id meanwhile.
    epoch = m.producerEpoch + 1;
    lastEpoch = m.producerEpoch;
  } else if (expected.epoch === m.lastProducerEpoch) {
    // A retry of a call that succeeded: the epoch it was given, without another bump.
    epoch = m.producerEpoch;
    lastEpoch = m.lastProducerEpoch;
  } else {
    return failed(ErrorCode.PRODUCER_FENCED);
  }
  transit(shard, ctx, {
    ...m,
    producerId,
    previousProducerId: m.producerId,
    nextProducerId: NO_PRODUCER_ID,
    producerEpoch: epoch,
    lastProducerEpoch: lastEpoch,
    txnTimeoutMs: timeoutMs,
    state: 'Empty',
    partitions: new Map(),
    txnStartTimestamp: -1,
    txnLastUpdateTimestamp: ctx.now,
  });
  return { errorCode: ErrorCode.NONE, producerId, producerEpoch: epoch };
}

/**
 * Fences the producer of an open transaction (epoch + 1, never given to any client) and aborts the
 * transaction with that epoch, so that the old producer's writes and markers are refused. As in Kafka,
 * the abort is the coordinator's own, at the broker's transaction version: with V2 it bumps the epoch
 * once more, so that the fenced producer's EndTxn cannot pass for a retry of this one.
 */
function fenceAndAbort(shard: TxnShard, ctx: Ctx, m: TxnMetadata): void {
  const v2 = shard.settings.transactionVersion >= 2;
  const fenced = m.producerEpoch < EPOCH_MAX ? m.producerEpoch + 1 : m.producerEpoch;
  const bumped = v2 && fenced < EPOCH_MAX;
  const next: TxnMetadata = {
    ...m,
    producerEpoch: bumped ? fenced + 1 : fenced,
    lastProducerEpoch: bumped ? fenced : NO_PRODUCER_EPOCH,
    clientTransactionVersion: v2 ? 2 : m.clientTransactionVersion,
    state: 'PrepareAbort',
    txnLastUpdateTimestamp: ctx.now,
  };
  transit(shard, ctx, next);
  sendMarkersFor(shard, ctx, next);
}

// ---- AddPartitionsToTxn, AddOffsetsToTxn ------------------------------------------------------------

export interface AddRequest {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  partitions: TopicPartitions[];
}

/** Checks a producer's id and epoch against the id's state: the error, or null when they match. */
function producerError(m: TxnMetadata | undefined, producerId: number, epoch: number): number | null {
  if (!m || m.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
  if (m.producerEpoch !== epoch) return ErrorCode.PRODUCER_FENCED;
  return null;
}

/** Adds partitions to the transaction, starting it when none is open. One error for all. */
export function addPartitions(shard: TxnShard, ctx: Ctx, req: AddRequest): number | Parked<number> {
  return parkWhileBusy(
    shard,
    ctx,
    req.transactionalId,
    (s, c) => addOnce(s, c, req),
    ErrorCode.CONCURRENT_TRANSACTIONS,
  );
}

function addOnce(shard: TxnShard, ctx: Ctx, req: AddRequest): number | Busy {
  const m = shard.txns.get(req.transactionalId);
  const error = producerError(m, req.producerId, req.producerEpoch);
  if (error !== null || !m) return error ?? ErrorCode.INVALID_PRODUCER_ID_MAPPING;
  if (busyState(m)) return BUSY;
  if (m.state === 'Ongoing' && containsAll(m.partitions, req.partitions)) return ErrorCode.NONE;
  const starting = m.state !== 'Ongoing';
  transit(shard, ctx, {
    ...m,
    state: 'Ongoing',
    partitions: withPartitions(starting ? new Map() : m.partitions, req.partitions),
    txnStartTimestamp: starting ? ctx.now : m.txnStartTimestamp,
    txnLastUpdateTimestamp: ctx.now,
  });
  return ErrorCode.NONE;
}

/**
 * The verification a partition leader asks for before the first transactional write of a producer
 * (AddPartitionsToTxn v4+ with verify_only): whether each partition is in the ongoing transaction.
 */
export function verifyPartitions(shard: TxnShard, req: AddRequest): Map<string, number> {
  const m = shard.txns.get(req.transactionalId);
  const error =
    producerError(m, req.producerId, req.producerEpoch) ??
    (m && (m.state === 'PrepareCommit' || m.state === 'PrepareAbort')
      ? ErrorCode.CONCURRENT_TRANSACTIONS
      : null);
  const out = new Map<string, number>();
  for (const t of req.partitions) {
    for (const p of t.partitions) {
      const inTxn = m?.state === 'Ongoing' && m.partitions.get(t.topic)?.has(p);
      out.set(`${t.topic}\u0000${p}`, error ?? (inTxn ? ErrorCode.NONE : ErrorCode.TRANSACTION_ABORTABLE));
    }
  }
  return out;
}

// ---- EndTxn ---------------------------------------------------------------------------------------

export interface EndRequest {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  commit: boolean;
  /** 2 for a transactions-V2 client (EndTxn v5+): the epoch is bumped at the end of each transaction. */
  clientTransactionVersion: number;
}

/**
 * EndTxn: an Ongoing transaction moves to PrepareCommit/PrepareAbort (the client is answered once that
 * is written, and the markers go out); a retry of a finished end is answered as it was.
 */
export function endTransaction(
  shard: TxnShard,
  ctx: Ctx,
  req: EndRequest,
): ProducerResult | Parked<ProducerResult> {
  return parkWhileBusy(
    shard,
    ctx,
    req.transactionalId,
    (s, c) => endOnce(s, c, req),
    failed(ErrorCode.CONCURRENT_TRANSACTIONS),
  );
}

function endOnce(shard: TxnShard, ctx: Ctx, req: EndRequest): ProducerResult | Busy {
  const m = shard.txns.get(req.transactionalId);
  if (!m) return failed(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  const v2 = m.clientTransactionVersion >= 2;
  const retryOnOverflow =
    v2 &&
    m.previousProducerId === req.producerId &&
    req.producerEpoch === EPOCH_MAX - 1 &&
    m.producerEpoch === 0;
  const retryOnBump = v2 && m.producerEpoch === req.producerEpoch + 1;
  if (m.producerId !== req.producerId && !retryOnOverflow)
    return failed(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  if (!endEpochValid(m, req, v2, retryOnBump, retryOnOverflow)) return failed(ErrorCode.PRODUCER_FENCED);
  const current = { errorCode: ErrorCode.NONE, producerId: m.producerId, producerEpoch: m.producerEpoch };
  switch (m.state) {
    case 'Ongoing':
      return prepareEnd(shard, ctx, m, req);
    case 'CompleteCommit':
      return req.commit ? current : failed(ErrorCode.INVALID_TXN_STATE);
    case 'CompleteAbort':
      return req.commit ? failed(ErrorCode.INVALID_TXN_STATE) : current;
    case 'PrepareCommit':
      return req.commit ? BUSY : failed(ErrorCode.INVALID_TXN_STATE);
    case 'PrepareAbort':
      return req.commit ? failed(ErrorCode.INVALID_TXN_STATE) : BUSY;
    default:
      return failed(ErrorCode.INVALID_TXN_STATE);
  }
}

/**
 * Transactions V1: the epoch must be the current one. V2: the epoch is bumped at every end, so a
 * retry of an end that was prepared or completed carries the epoch before the bump.
 */
function endEpochValid(
  m: TxnMetadata,
  req: EndRequest,
  v2: boolean,
  retryOnBump: boolean,
  retryOnOverflow: boolean,
): boolean {
  if (!v2) return req.producerEpoch === m.producerEpoch;
  switch (m.state) {
    case 'PrepareCommit':
    case 'PrepareAbort':
      return retryOnBump;
    case 'CompleteCommit':
    case 'CompleteAbort':
      return retryOnBump || retryOnOverflow;
    default:
      return req.producerEpoch === m.producerEpoch;
  }
}

function prepareEnd(shard: TxnShard, ctx: Ctx, m: TxnMetadata, req: EndRequest): ProducerResult {
  const bump = req.clientTransactionVersion >= 2;
  let nextProducerId = NO_PRODUCER_ID;
  if (bump && isEpochExhausted(m.producerEpoch)) {
    const id = shard.deps.takeProducerId();
    if (id === null) return failed(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    nextProducerId = id;
  }
  const next: TxnMetadata = {
    ...m,
    state: req.commit ? 'PrepareCommit' : 'PrepareAbort',
    producerEpoch: bump ? m.producerEpoch + 1 : m.producerEpoch,
    lastProducerEpoch: bump ? m.producerEpoch : m.lastProducerEpoch,
    nextProducerId,
    clientTransactionVersion: req.clientTransactionVersion,
    txnLastUpdateTimestamp: ctx.now,
  };
  transit(shard, ctx, next);
  sendMarkersFor(shard, ctx, next);
  // A V2 client starts its next transaction with what it is given: the rotated id once the epoch ran out.
  if (nextProducerId !== NO_PRODUCER_ID)
    return { errorCode: ErrorCode.NONE, producerId: nextProducerId, producerEpoch: 0 };
  return { errorCode: ErrorCode.NONE, producerId: next.producerId, producerEpoch: next.producerEpoch };
}

/** What the markers were written for: the transaction must still be prepared as it was then. */
export interface CompletedMarkers {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  commit: boolean;
}

/** Every marker is written: CompleteCommit/CompleteAbort (and, for V2, the rotated producer id). */
export function completeTransaction(shard: TxnShard, ctx: Ctx, done: CompletedMarkers): void {
  const m = shard.txns.get(done.transactionalId);
  const prepared = done.commit ? 'PrepareCommit' : 'PrepareAbort';
  if (
    !m ||
    m.state !== prepared ||
    m.producerId !== done.producerId ||
    m.producerEpoch !== done.producerEpoch
  )
    return;
  const rotate = m.clientTransactionVersion >= 2 && m.nextProducerId !== NO_PRODUCER_ID;
  transit(shard, ctx, {
    ...m,
    state: done.commit ? 'CompleteCommit' : 'CompleteAbort',
    producerId: rotate ? m.nextProducerId : m.producerId,
    previousProducerId: rotate ? m.producerId : m.previousProducerId,
    nextProducerId: NO_PRODUCER_ID,
    producerEpoch: rotate ? 0 : m.producerEpoch,
    lastProducerEpoch: m.producerEpoch,
    partitions: new Map(),
    txnLastUpdateTimestamp: ctx.now,
  });
  releaseWaiters(shard, ctx, done.transactionalId, false);
}

// ---- timers ---------------------------------------------------------------------------------------

/** Aborts every transaction open longer than its timeout, fencing its producer (epoch + 1). */
export function abortTimedOutTransactions(shard: TxnShard, ctx: Ctx): void {
  const expired = [...shard.txns.values()].filter(
    (m) => m.state === 'Ongoing' && m.txnStartTimestamp + m.txnTimeoutMs < ctx.now,
  );
  if (expired.length === 0) return;
  // One operation writes one record per transaction; each aborts on its own.
  for (const m of expired) {
    shard.deps.log.info('aborting a transaction past its timeout', {
      transactionalId: m.transactionalId,
      producerId: m.producerId,
      timeoutMs: m.txnTimeoutMs,
    });
    fenceAndAbort(shard, ctx, m);
  }
}

/** Forgets transactional ids idle longer than transactional.id.expiration.ms. */
export function expireTransactionalIds(shard: TxnShard, ctx: Ctx): void {
  const records = [];
  for (const m of shard.txns.values()) {
    if (
      isExpirationAllowed(m.state) &&
      m.txnLastUpdateTimestamp + shard.settings.transactionalIdExpirationMs <= ctx.now
    )
      records.push(txnTombstone(m.transactionalId));
  }
  if (records.length === 0) return;
  shard.deps.log.info('expired transactional ids', { partition: ctx.partition, count: records.length });
  ctx.append(records);
}
