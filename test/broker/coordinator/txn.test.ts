// The transaction coordinator on a fake clock over in-memory `__transaction_state` logs, with a marker
// channel that records what it is asked to write: the state machine of a transactional id (Kafka's
// TransactionCoordinator), fencing, timeouts, expiry, transactions V2's epoch bump, and restarts that
// finish what a coordinator left prepared.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryCoordinatorLog } from '../../../src/broker/coordinator/runtime.js';
import { TxnCoordinator } from '../../../src/broker/coordinator/txn/coordinator.js';
import type { MarkerResult, WritableMarker } from '../../../src/broker/coordinator/txn/markers.js';
import { decodeTxnRecord, txnRecord } from '../../../src/broker/coordinator/txn/records.js';
import type { TxnCoordinatorSettings } from '../../../src/broker/coordinator/txn/settings.js';
import type { TxnShard } from '../../../src/broker/coordinator/txn/shard.js';
import type { TxnMetadata } from '../../../src/broker/coordinator/txn/state.js';
import { ErrorCode as E } from '../../../src/protocol/errors.js';
import { FakeScheduler, settle, silentLog } from './harness.js';

interface Sent {
  nodeId: number;
  marker: WritableMarker;
}

interface TxnHarness {
  clock: FakeScheduler;
  txns: TxnCoordinator;
  logs: Map<number, MemoryCoordinatorLog>;
  sent: Sent[];
  /** What the next marker writes answer, per partition (default NONE). */
  answer: (m: WritableMarker) => number;
  state(id: string): TxnMetadata | undefined;
  restart(epoch?: number): Promise<TxnHarness>;
}

async function txnHarness(
  settings: Partial<TxnCoordinatorSettings> = {},
  logs = new Map<number, MemoryCoordinatorLog>(),
  clock = new FakeScheduler(),
  epoch = 0,
  nextId = { value: 1000 },
): Promise<TxnHarness> {
  const sent: Sent[] = [];
  const h = {} as TxnHarness;
  h.answer = () => E.NONE;
  const txns = new TxnCoordinator({
    settings: { transactionStateLogPartitions: 1, markerRetryBackoffMs: 50, ...settings },
    scheduler: clock,
    logFor: (p) => {
      let log = logs.get(p);
      if (!log) {
        log = new MemoryCoordinatorLog();
        logs.set(p, log);
      }
      return log;
    },
    producerIds: { take: () => nextId.value++, ensureAvailable: async () => {} },
    markers: {
      async writeMarkers(nodeId, marker): Promise<MarkerResult> {
        sent.push({ nodeId, marker });
        const code = h.answer(marker);
        const r: MarkerResult = new Map();
        for (const t of marker.topics) for (const p of t.partitions) r.set(`${t.topic}\u0000${p}`, code);
        return r;
      },
    },
    leaderOf: (topic) => (topic === 'gone' ? null : 1),
    log: silentLog,
  });
  txns.runtime.load(0, epoch);
  await settle();
  Object.assign(h, {
    clock,
    txns,
    logs,
    sent,
    state: (id: string) => {
      // biome-ignore lint/suspicious/noExplicitAny: test access to the runtime's shards
      const slots = (txns.runtime as any).slots as Map<number, { shard: TxnShard }>;
      return slots.get(txns.partitionFor(id))?.shard.txns.get(id);
    },
    restart: async (newEpoch = epoch + 1) => {
      txns.close();
      return txnHarness(settings, logs, clock, newEpoch, nextId);
    },
  });
  return h;
}

const init = (h: TxnHarness, id: string, producerId = -1, producerEpoch = -1, timeoutMs = 60_000) =>
  h.txns.initProducerId({ transactionalId: id, transactionTimeoutMs: timeoutMs, producerId, producerEpoch });

const add = (
  h: TxnHarness,
  id: string,
  producerId: number,
  producerEpoch: number,
  topic = 't',
  partitions = [0, 1],
) =>
  h.txns.addPartitions({
    transactionalId: id,
    producerId,
    producerEpoch,
    partitions: [{ topic, partitions }],
  });

const end = (h: TxnHarness, id: string, producerId: number, producerEpoch: number, commit: boolean, tv = 0) =>
  h.txns.endTransaction({
    transactionalId: id,
    producerId,
    producerEpoch,
    commit,
    clientTransactionVersion: tv,
  });

test('a transaction: init, add partitions, commit; markers, then CompleteCommit', async () => {
  const h = await txnHarness();
  const p = await init(h, 'app');
  assert.deepEqual(p, { errorCode: E.NONE, producerId: 1000, producerEpoch: 0 });
  assert.equal(h.state('app')?.state, 'Empty');
  assert.equal(await add(h, 'app', 1000, 0), E.NONE);
  const m = h.state('app');
  assert.equal(m?.state, 'Ongoing');
  assert.deepEqual([...(m?.partitions.get('t') ?? [])], [0, 1]);
  assert.ok((m?.txnStartTimestamp ?? -1) > 0);
  // Adding partitions already in the transaction writes nothing.
  const before = h.logs.get(0)?.records.length;
  assert.equal(await add(h, 'app', 1000, 0, 't', [1]), E.NONE);
  assert.equal(h.logs.get(0)?.records.length, before);
  const r = await end(h, 'app', 1000, 0, true);
  assert.deepEqual(r, { errorCode: E.NONE, producerId: 1000, producerEpoch: 0 });
  await settle();
  assert.equal(h.sent.length, 1);
  assert.deepEqual(h.sent[0].marker, {
    producerId: 1000,
    producerEpoch: 0,
    commit: true,
    coordinatorEpoch: 0,
    topics: [{ topic: 't', partitions: [0, 1] }],
  });
  assert.equal(h.state('app')?.state, 'CompleteCommit');
  assert.equal(h.state('app')?.partitions.size, 0);
  // A retried commit is answered as it was; an abort now is a state error.
  assert.equal((await end(h, 'app', 1000, 0, true)).errorCode, E.NONE);
  assert.equal((await end(h, 'app', 1000, 0, false)).errorCode, E.INVALID_TXN_STATE);
  // Ending without a transaction is a state error too.
  const again = await init(h, 'app', 1000, 0);
  assert.deepEqual(again, { errorCode: E.NONE, producerId: 1000, producerEpoch: 1 });
  assert.equal((await end(h, 'app', 1000, 1, true)).errorCode, E.INVALID_TXN_STATE);
});

test('InitProducerId validates the timeout and the id, and fences the previous producer', async () => {
  const h = await txnHarness({ transactionTimeoutMsMax: 900_000 });
  assert.equal((await init(h, 'app', -1, -1, 900_001)).errorCode, E.INVALID_TRANSACTION_TIMEOUT);
  assert.equal((await init(h, 'app', -1, -1, 0)).errorCode, E.INVALID_TRANSACTION_TIMEOUT);
  assert.equal((await init(h, '')).errorCode, E.INVALID_REQUEST);
  const a = await init(h, 'app');
  const b = await init(h, 'app');
  assert.deepEqual([b.producerId, b.producerEpoch], [a.producerId, 1]);
  // The zombie with epoch 0 is fenced everywhere.
  assert.equal(await add(h, 'app', a.producerId, 0), E.PRODUCER_FENCED);
  assert.equal((await end(h, 'app', a.producerId, 0, true)).errorCode, E.PRODUCER_FENCED);
  assert.equal(await add(h, 'app', 4242, 1), E.INVALID_PRODUCER_ID_MAPPING);
  assert.equal(await add(h, 'nobody', 4242, 0), E.INVALID_PRODUCER_ID_MAPPING);
  // KIP-360: a producer giving its current id and epoch gets a bump; a retry of that call the same
  // epoch again; a stale epoch is fenced; another producer id is fenced.
  const c = await init(h, 'app', a.producerId, 1);
  assert.deepEqual([c.errorCode, c.producerEpoch], [E.NONE, 2]);
  const retry = await init(h, 'app', a.producerId, 1);
  assert.deepEqual([retry.errorCode, retry.producerEpoch], [E.NONE, 2]);
  assert.equal((await init(h, 'app', a.producerId, 0)).errorCode, E.PRODUCER_FENCED);
  assert.equal((await init(h, 'app', 777, 2)).errorCode, E.PRODUCER_FENCED);
});

test('a new producer with the same id aborts the open transaction of the old one (zombie fencing)', async () => {
  const h = await txnHarness();
  const a = await init(h, 'app');
  await add(h, 'app', a.producerId, 0);
  h.answer = () => E.NOT_LEADER_OR_FOLLOWER; // the markers cannot land yet
  const fence = await init(h, 'app');
  assert.equal(fence.errorCode, E.CONCURRENT_TRANSACTIONS);
  await settle();
  assert.equal(h.state('app')?.state, 'PrepareAbort');
  // Fenced (epoch 1), then aborted at the broker's transaction version 2 (epoch 2).
  assert.equal(h.state('app')?.producerEpoch, 2);
  assert.equal(h.sent.at(-1)?.marker.commit, false);
  assert.equal(h.sent.at(-1)?.marker.producerEpoch, 2);
  // Still aborting: the new producer's InitProducerId waits for the abort, and is told
  // CONCURRENT_TRANSACTIONS after concurrentTransactionsWaitMs (100 ms); the old one is fenced.
  const waited = init(h, 'app');
  await settle();
  h.clock.advance(100);
  await settle();
  assert.equal((await waited).errorCode, E.CONCURRENT_TRANSACTIONS);
  assert.equal((await end(h, 'app', a.producerId, 0, true)).errorCode, E.PRODUCER_FENCED);
  // A new wait is answered as soon as the markers land on their retry and the abort completes.
  const b = init(h, 'app');
  let answered = false;
  void b.then(() => {
    answered = true;
  });
  await settle();
  assert.equal(answered, false);
  h.answer = () => E.NONE;
  h.clock.advance(60);
  await settle();
  assert.equal(h.state('app')?.state, 'Empty');
  assert.deepEqual([(await b).errorCode, (await b).producerEpoch], [E.NONE, 3]);
});

test('a transaction open past its timeout is aborted with a bumped epoch', async () => {
  const h = await txnHarness({ abortTimedOutTransactionsIntervalMs: 1000 });
  const a = await init(h, 'app', -1, -1, 5000);
  await add(h, 'app', a.producerId, 0);
  h.clock.advance(3000);
  await settle();
  assert.equal(h.state('app')?.state, 'Ongoing');
  h.clock.advance(3000);
  await settle();
  assert.equal(h.state('app')?.state, 'CompleteAbort');
  assert.equal(h.state('app')?.producerEpoch, 2);
  assert.deepEqual(
    h.sent.map((s) => [s.marker.commit, s.marker.producerEpoch]),
    [[false, 2]],
  );
  // The producer that let it time out is fenced, whether it ends with V1 or V2.
  assert.equal((await end(h, 'app', a.producerId, 0, true)).errorCode, E.PRODUCER_FENCED);
  assert.equal((await end(h, 'app', a.producerId, 0, false, 2)).errorCode, E.PRODUCER_FENCED);
});

test('transactional ids idle past transactional.id.expiration.ms are forgotten; open ones are not', async () => {
  const h = await txnHarness({
    transactionalIdExpirationMs: 10_000,
    removeExpiredTransactionalIdsIntervalMs: 1000,
  });
  await init(h, 'idle');
  const busy = await init(h, 'busy', -1, -1, 900_000);
  await add(h, 'busy', busy.producerId, 0);
  h.clock.advance(12_000);
  await settle();
  assert.equal(h.state('idle'), undefined);
  assert.equal(h.state('busy')?.state, 'Ongoing');
  const again = await init(h, 'idle');
  assert.deepEqual([again.errorCode, again.producerEpoch], [E.NONE, 0]);
  assert.notEqual(again.producerId, 1000);
});

test('a restart replays the log: a prepared commit gets its markers and completes', async () => {
  const h = await txnHarness();
  const a = await init(h, 'app');
  await add(h, 'app', a.producerId, 0);
  h.answer = () => E.NOT_LEADER_OR_FOLLOWER;
  assert.equal((await end(h, 'app', a.producerId, 0, true)).errorCode, E.NONE);
  await settle();
  assert.equal(h.state('app')?.state, 'PrepareCommit');
  const h2 = await h.restart(3);
  await settle();
  assert.equal(h2.sent.length, 1, 'the new coordinator writes the markers again');
  assert.deepEqual([h2.sent[0].marker.commit, h2.sent[0].marker.coordinatorEpoch], [true, 3]);
  assert.equal(h2.state('app')?.state, 'CompleteCommit');
  // Everything else came back from the log as it was.
  assert.deepEqual([h2.state('app')?.producerId, h2.state('app')?.producerEpoch], [a.producerId, 0]);
  const p = await init(h2, 'app');
  assert.deepEqual([p.producerId, p.producerEpoch], [a.producerId, 1]);
});

test('markers: a partition of a deleted topic counts as done; a newer epoch stops them', async () => {
  const h = await txnHarness();
  const a = await init(h, 'app');
  await add(h, 'app', a.producerId, 0, 'gone', [0]);
  await end(h, 'app', a.producerId, 0, false);
  await settle();
  assert.equal(h.sent.length, 0);
  assert.equal(h.state('app')?.state, 'CompleteAbort');
  await init(h, 'app2');
  await add(h, 'app2', 1001, 0);
  h.answer = () => E.INVALID_PRODUCER_EPOCH;
  await end(h, 'app2', 1001, 0, true);
  await settle();
  h.clock.advance(500);
  await settle();
  assert.equal(h.sent.length, 1, 'no retry after INVALID_PRODUCER_EPOCH');
  assert.equal(h.state('app2')?.state, 'PrepareCommit');
});

test('transactions V2: every end bumps the epoch; a retry is recognised; an exhausted epoch rotates the id', async () => {
  const h = await txnHarness();
  const a = await init(h, 'v2');
  await add(h, 'v2', a.producerId, 0);
  const r = await end(h, 'v2', a.producerId, 0, true, 2);
  assert.deepEqual(r, { errorCode: E.NONE, producerId: a.producerId, producerEpoch: 1 });
  assert.equal(h.sent.at(-1)?.marker.producerEpoch, 1, 'markers carry the bumped epoch');
  await settle();
  assert.equal(h.state('v2')?.state, 'CompleteCommit');
  // The retry of that EndTxn (old epoch) is answered with the new epoch.
  assert.deepEqual(await end(h, 'v2', a.producerId, 0, true, 2), {
    errorCode: E.NONE,
    producerId: a.producerId,
    producerEpoch: 1,
  });
  // The next transaction uses epoch 1.
  assert.equal(await add(h, 'v2', a.producerId, 1), E.NONE);
  assert.equal((await end(h, 'v2', a.producerId, 1, false, 2)).producerEpoch, 2);
  await settle();
  // Run the epoch up to the limit: the end then hands out a new producer id with epoch 0.
  const shardState = h.state('v2') as TxnMetadata;
  shardState.producerEpoch = 32766;
  assert.equal(await add(h, 'v2', a.producerId, 32766), E.NONE);
  const rotated = await end(h, 'v2', a.producerId, 32766, true, 2);
  assert.equal(rotated.errorCode, E.NONE);
  assert.notEqual(rotated.producerId, a.producerId);
  assert.equal(rotated.producerEpoch, 0);
  await settle();
  assert.deepEqual([h.state('v2')?.producerId, h.state('v2')?.producerEpoch], [rotated.producerId, 0]);
  assert.equal(await add(h, 'v2', rotated.producerId, 0), E.NONE);
});

test('verification: partitions in the ongoing transaction pass; others are abortable', async () => {
  const h = await txnHarness();
  const a = await init(h, 'app');
  await add(h, 'app', a.producerId, 0, 't', [0]);
  const req = (epoch: number) => ({
    transactionalId: 'app',
    producerId: a.producerId,
    producerEpoch: epoch,
    partitions: [{ topic: 't', partitions: [0, 1] }],
  });
  const v = await h.txns.verifyPartitions(req(0));
  assert.deepEqual([v.get('t\u00000'), v.get('t\u00001')], [E.NONE, E.TRANSACTION_ABORTABLE]);
  const fenced = await h.txns.verifyPartitions(req(7));
  assert.deepEqual([fenced.get('t\u00000'), fenced.get('t\u00001')], [E.PRODUCER_FENCED, E.PRODUCER_FENCED]);
});

test('DescribeTransactions and ListTransactions', async () => {
  const h = await txnHarness();
  const a = await init(h, 'one', -1, -1, 30_000);
  await add(h, 'one', a.producerId, 0, 'orders', [2, 0]);
  await init(h, 'two');
  const [d, missing] = await h.txns.describe(['one', 'nope']);
  assert.deepEqual(
    { ...d, transactionStartTimeMs: d.transactionStartTimeMs > 0 },
    {
      errorCode: E.NONE,
      transactionalId: 'one',
      transactionState: 'Ongoing',
      transactionTimeoutMs: 30_000,
      transactionStartTimeMs: true,
      producerId: a.producerId,
      producerEpoch: 0,
      topics: [{ topic: 'orders', partitions: [0, 2] }],
    },
  );
  assert.equal(missing.errorCode, E.TRANSACTIONAL_ID_NOT_FOUND);
  const all = await h.txns.list({ states: [], producerIds: [], durationMs: -1 });
  assert.deepEqual(all.transactionStates.map((t) => t.transactionalId).sort(), ['one', 'two']);
  const ongoing = await h.txns.list({ states: ['Ongoing', 'Bogus'], producerIds: [], durationMs: -1 });
  assert.deepEqual(
    ongoing.transactionStates.map((t) => t.transactionalId),
    ['one'],
  );
  assert.deepEqual(ongoing.unknownStateFilters, ['Bogus']);
  h.clock.advance(10_000);
  const long = await h.txns.list({ states: ['Ongoing'], producerIds: [], durationMs: 20_000 });
  assert.deepEqual(long.transactionStates, []);
  const byId = await h.txns.list({ states: [], producerIds: [a.producerId], durationMs: 5_000 });
  assert.deepEqual(
    byId.transactionStates.map((t) => t.transactionalId),
    ['one'],
  );
});

test('__transaction_state records: Kafka formats, read back at both value versions', () => {
  const m: TxnMetadata = {
    transactionalId: 'app',
    producerId: 12,
    previousProducerId: 11,
    nextProducerId: -1,
    producerEpoch: 3,
    lastProducerEpoch: 2,
    txnTimeoutMs: 60_000,
    state: 'Ongoing',
    partitions: new Map([['t', new Set([1, 0])]]),
    txnStartTimestamp: 1000,
    txnLastUpdateTimestamp: 2000,
    clientTransactionVersion: 2,
  };
  for (const version of [0, 1]) {
    const r = txnRecord(m, version);
    assert.equal(r.key.readInt16BE(0), 0);
    assert.equal(r.value?.readInt16BE(0), version);
    const back = decodeTxnRecord(r.key, r.value);
    assert.equal(back.transactionalId, 'app');
    assert.deepEqual(
      { ...back.metadata, partitions: [...(back.metadata?.partitions.get('t') ?? [])].sort() },
      {
        ...m,
        lastProducerEpoch: -1, // not stored, as in Kafka
        previousProducerId: version === 1 ? 11 : -1,
        clientTransactionVersion: version === 1 ? 2 : 0,
        partitions: [0, 1],
      },
    );
  }
  // The key is exactly Kafka's: int16 version 0, then the string.
  assert.equal(txnRecord(m, 1).key.toString('hex'), '00000003617070');
});
