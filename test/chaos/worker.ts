// A client of the lab, run as its own process so the lab can crash it for real (SIGKILL) or stop it
// (SIGTERM: finish what is in flight, commit, leave the group). It records every operation in its own
// history file before issuing it and after it completes. Roles:
//   producer  unique values `${name}.${session}.${seq}` round-robin over the partitions, acks=all,
//             idempotent, at a steady rate; a new client (session) after the old one failed for good
//   consumer  a member of a group: reads, records, commits the offset after the last record it read
//   drain     reads every partition from its start to the end offsets the lab passes, then exits
// Clients: Samsa's own (src/client) and kafkajs, a third-party implementation of the protocol.
//   node dist/test/chaos/worker.js '<WorkerSpec as JSON>'
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, PartitionAssigners } from 'kafkajs';
import { Consumer, Producer } from '../../src/client/index.js';
import type {
  AckEvent,
  CommitEvent,
  DrainEndEvent,
  FailEvent,
  ReadEvent,
  SendEvent,
  WorkerEvent,
} from './history.js';
import { HistoryWriter, nowMs } from './history.js';

export type ClientKind = 'samsa' | 'kafkajs';

export interface WorkerSpec {
  name: string;
  role: 'producer' | 'consumer' | 'drain';
  client: ClientKind;
  bootstrap: string;
  topic: string;
  partitions: number;
  historyFile: string;
  /** producer: values per second. */
  ratePerSec?: number;
  /** producer: at most this many sends without an outcome. */
  outstandingMax?: number;
  /** producer: acks (-1, 1, 0) and idempotence. */
  acks?: number;
  idempotence?: boolean;
  /** consumer: the group. */
  group?: string;
  /** drain: read each partition up to this offset (exclusive). */
  endOffsets?: number[];
  /** drain: give up after this long. */
  timeoutMs?: number;
}

/** How long a stopping producer waits for the outcomes of its last sends. */
const STOP_WAIT_MS = 20_000;
const REQUEST_TIMEOUT_MS = 5_000;
const SESSION_TIMEOUT_MS = 10_000;

let stopping = false;
let history: HistoryWriter;

function workerEvent(state: WorkerEvent['state'], detail?: string): void {
  history.record<WorkerEvent>({ type: 'worker', state, detail });
}

function errText(err: unknown): string {
  const e = err as { code?: string; type?: string; name?: string; message?: string };
  const code = e?.code ?? e?.type ?? e?.name ?? 'Error';
  return `${code}: ${(e?.message ?? String(err)).slice(0, 200)}`;
}

/** Paces sends at `ratePerSec` and bounds the ones in flight. */
class Pacer {
  private readonly startedMs = Date.now();
  issued = 0;
  outstanding = 0;

  constructor(
    private readonly ratePerSec: number,
    private readonly outstandingMax: number,
  ) {}

  /** How many may be sent now. */
  due(): number {
    const target = Math.floor(((Date.now() - this.startedMs) / 1000) * this.ratePerSec);
    return Math.max(0, Math.min(target - this.issued, this.outstandingMax - this.outstanding));
  }
}

async function waitOutstanding(pacer: Pacer, deadlineMs: number): Promise<void> {
  while (pacer.outstanding > 0 && Date.now() < deadlineMs) await sleep(20);
}

/** A send with no outcome this long after delivery.timeout.ms is stuck: the client broke its promise. */
const DELIVERY_TIMEOUT_MS = 30_000;
const STUCK_AFTER_MS = DELIVERY_TIMEOUT_MS + 15_000;

/** What Samsa's sender holds (private fields, read for the diagnosis of a stuck producer). */
function senderState(producer: Producer): string {
  const sender = (producer as unknown as { sender: Record<string, unknown> }).sender;
  const keys = ['totalInFlight', 'bumpNeeded', 'bumping', 'producerId', 'producerEpoch', 'drainScheduled'];
  const parts = [...keys, 'metadataRefreshing'].map((k) => `${k}=${String(sender?.[k])}`);
  parts.push(`retryTimer=${sender?.retryTimer ? 'set' : 'none'}`);
  parts.push(
    `inFlightByNode=${JSON.stringify([...((sender?.inFlightByNode as Map<number, number>) ?? [])])}`,
  );
  const cluster = sender?.cluster as { leaderOf?: (t: string, p: number) => number } | undefined;
  const host = sender?.host as {
    partitions?: Map<string, ({ queue: unknown[]; inFlight: number; retrying: boolean } | undefined)[]>;
  };
  const queues: string[] = [];
  for (const [topic, list] of host?.partitions ?? []) {
    list.forEach((ps, i) => {
      if (!ps) return;
      const leader = cluster?.leaderOf?.(topic, i);
      queues.push(
        `${topic}-${i}: queued ${ps.queue.length}, in flight ${ps.inFlight}, retrying ${ps.retrying}, leader ${leader}`,
      );
    });
  }
  const p = producer as unknown as { fatal?: { message?: string } | null; closed?: boolean };
  parts.push(`fatal=${p.fatal ? p.fatal.message : 'none'} closed=${p.closed}`);
  const head = [...(host?.partitions?.values() ?? [])][0]?.[0]?.queue[0] as
    | Record<string, unknown>
    | undefined;
  if (head) {
    const fields = ['id', 'attempts', 'baseSequence', 'everSent', 'count'].map(
      (k) => `${k}=${String(head[k])}`,
    );
    const age = Date.now() - Number(head.createdMs);
    fields.push(`age=${age}ms`, `retryIn=${Number(head.retryAfterMs) - Date.now()}ms`);
    parts.push(`head of partition 0: ${fields.join(' ')}`);
  }
  return `${parts.join(' ')}; ${queues.join('; ')}`;
}

async function samsaProducer(spec: WorkerSpec): Promise<void> {
  const pacer = new Pacer(spec.ratePerSec ?? 200, spec.outstandingMax ?? 2000);
  let session = 0;
  let seq = 0;
  let failedInRow = 0;
  /** Send times of the current session's sends without an outcome. */
  let unresolved = new Map<string, number>();
  const make = () =>
    new Producer({
      'bootstrap.servers': spec.bootstrap,
      'client.id': `${spec.name}-s${session}`,
      acks: (spec.acks ?? -1) as -1 | 0 | 1,
      'enable.idempotence': spec.idempotence ?? true,
      'linger.ms': 5,
      'request.timeout.ms': REQUEST_TIMEOUT_MS,
      'delivery.timeout.ms': DELIVERY_TIMEOUT_MS,
      'max.block.ms': 10_000,
      'metadata.max.age.ms': 5_000,
    });
  let producer = make();
  const replace = (why: string) => {
    workerEvent('error', why);
    const old = producer;
    void old.close({ timeoutMs: 1000 }).catch(() => {});
    session++;
    failedInRow = 0;
    // Sends of the old session that never finish stay indeterminate; the pacer stops waiting for them.
    pacer.outstanding -= unresolved.size;
    unresolved = new Map();
    producer = make();
  };
  while (!stopping) {
    // A client that failed every send for a while gets replaced (a new producer id: a new session).
    if (failedInRow > 200) replace(`replacing the producer after ${failedInRow} failures in a row`);
    const oldest = unresolved.values().next().value;
    if (oldest !== undefined && nowMs() - oldest > STUCK_AFTER_MS) {
      console.error(`stuck producer session ${session}: ${senderState(producer)}`);
      replace(
        `stuck: ${unresolved.size} sends without an outcome, the oldest for ${Math.round((nowMs() - oldest) / 1000)} s (delivery.timeout.ms is ${DELIVERY_TIMEOUT_MS / 1000} s); ${senderState(producer)}`,
      );
    }
    for (let n = pacer.due(); n > 0; n--) {
      const p = seq % spec.partitions;
      const v = `${spec.name}.${session}.${seq++}`;
      const t0 = nowMs();
      history.record<SendEvent>({ type: 'send', p, v, t: t0 });
      pacer.issued++;
      pacer.outstanding++;
      const mine = unresolved;
      mine.set(v, t0);
      const settle = () => {
        if (mine.delete(v)) pacer.outstanding--;
      };
      // Outcomes of an older session's sends (failed when it was replaced) do not count for this one.
      const sessionOfSend = session;
      producer.send({ topic: spec.topic, partition: p, value: v }).then(
        (meta) => {
          settle();
          if (sessionOfSend === session) failedInRow = 0;
          history.record<AckEvent>({ type: 'ack', p: meta.partition, v, o: meta.offset, t0 });
        },
        (err: { code?: string; message?: string }) => {
          settle();
          if (sessionOfSend === session) failedInRow++;
          // Only a send refused before it was batched cannot have been written.
          const definite = err?.code === 'CLIENT_CLOSED' && /is closed/.test(err.message ?? '');
          history.record<FailEvent>({ type: 'fail', p, v, err: errText(err), definite, t0 });
        },
      );
    }
    await sleep(10);
  }
  const deadline = Date.now() + STOP_WAIT_MS;
  await Promise.race([producer.flush().catch(() => {}), sleep(STOP_WAIT_MS)]);
  await waitOutstanding(pacer, deadline);
  if (unresolved.size > 0)
    workerEvent(
      'error',
      `stopping with ${unresolved.size} sends without an outcome; ${senderState(producer)}`,
    );
  await producer.close({ timeoutMs: 2000 }).catch(() => {});
}

function kafkajsClient(spec: WorkerSpec, clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers: spec.bootstrap.split(','),
    logLevel: logLevel.ERROR,
    requestTimeout: REQUEST_TIMEOUT_MS,
    connectionTimeout: 3000,
    retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 2000 },
  });
}

/**
 * kafkajs: every tick, one send call per partition (so one Produce request per partition), the
 * partitions' calls concurrently. Not one call for all partitions: kafkajs 2.2.4 retries a failed
 * multi-partition send whole, re-sending the partitions that had succeeded under new sequence
 * numbers, which stores them twice (seen in this lab; see README.md).
 */
async function kafkajsProducer(spec: WorkerSpec): Promise<void> {
  const pacer = new Pacer(spec.ratePerSec ?? 200, spec.outstandingMax ?? 2000);
  let session = 0;
  let seq = 0;
  const make = async () => {
    const producer = kafkajsClient(spec, `${spec.name}-s${session}`).producer({
      idempotent: spec.idempotence ?? true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    return producer;
  };
  let producer: Awaited<ReturnType<typeof make>> | null = null;
  while (!stopping) {
    if (!producer) {
      try {
        producer = await make();
      } catch (err) {
        workerEvent('error', `connect: ${errText(err)}`);
        await sleep(500);
        continue;
      }
    }
    const n = pacer.due();
    if (n === 0) {
      await sleep(10);
      continue;
    }
    const byPartition = new Map<number, string[]>();
    for (let i = 0; i < n; i++) {
      const p = seq % spec.partitions;
      const list = byPartition.get(p) ?? [];
      list.push(`${spec.name}.${session}.${seq++}`);
      byPartition.set(p, list);
    }
    const t0 = nowMs();
    for (const [p, values] of byPartition) {
      for (const v of values) history.record<SendEvent>({ type: 'send', p, v, t: t0 });
    }
    pacer.issued += n;
    pacer.outstanding += n;
    const current = producer;
    const results = await Promise.allSettled(
      [...byPartition].map(async ([p, values]) => {
        try {
          const res = await current.send({
            topic: spec.topic,
            acks: spec.acks ?? -1,
            timeout: REQUEST_TIMEOUT_MS,
            messages: values.map((v) => ({ partition: p, value: v })),
          });
          const base = Number(
            res.find((r) => r.partition === p && r.errorCode === 0)?.baseOffset ?? Number.NaN,
          );
          if (Number.isNaN(base)) throw new Error(`no offset in the response for partition ${p}`);
          values.forEach((v, i) => {
            history.record<AckEvent>({ type: 'ack', p, v, o: base + i, t0 });
          });
        } catch (err) {
          const e = errText(err);
          for (const v of values)
            history.record<FailEvent>({ type: 'fail', p, v, err: e, definite: false, t0 });
          throw err;
        }
      }),
    );
    pacer.outstanding -= n;
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) {
      // kafkajs keeps no epoch bump after a failed idempotent send: start a new producer session.
      workerEvent(
        'error',
        `send failed, new producer session: ${errText((failed as PromiseRejectedResult).reason)}`,
      );
      producer = null;
      session++;
      void current.disconnect().catch(() => {});
    }
  }
  await producer?.disconnect().catch(() => {});
}

async function samsaConsumer(spec: WorkerSpec): Promise<void> {
  const group = spec.group ?? 'chaos';
  let consumer: Consumer | null = null;
  while (!stopping) {
    if (!consumer) {
      consumer = new Consumer({
        bootstrapServers: spec.bootstrap,
        'client.id': spec.name,
        groupId: group,
        autoOffsetReset: 'earliest',
        enableAutoCommit: false,
        'session.timeout.ms': SESSION_TIMEOUT_MS,
        'heartbeat.interval.ms': 1000,
        'request.timeout.ms': REQUEST_TIMEOUT_MS,
        'fetch.max.wait.ms': 200,
        'metadata.max.age.ms': 5_000,
        // kafkajs names its round-robin assignor differently; both speak the standard consumer protocol.
        'partition.assignment.strategy': ['roundrobin', 'range'],
      });
      try {
        await consumer.subscribe([spec.topic]);
      } catch (err) {
        workerEvent('error', `subscribe: ${errText(err)}`);
        await consumer.close().catch(() => {});
        consumer = null;
        await sleep(500);
        continue;
      }
    }
    let records: Awaited<ReturnType<Consumer['poll']>>;
    try {
      records = await consumer.poll(300);
    } catch (err) {
      workerEvent('error', `poll: ${errText(err)}`);
      const c = consumer;
      consumer = null;
      await c.close().catch(() => {});
      await sleep(500);
      continue;
    }
    const next = new Map<number, number>();
    for (const r of records) {
      history.record<ReadEvent>({ type: 'read', p: r.partition, o: r.offset, v: String(r.value), g: group });
      next.set(r.partition, r.offset + 1);
    }
    if (next.size > 0) await commitSamsa(consumer, spec, group, next);
  }
  await consumer?.close().catch(() => {});
}

async function commitSamsa(consumer: Consumer, spec: WorkerSpec, group: string, next: Map<number, number>) {
  const t0 = nowMs();
  const offsets = [...next].map(([partition, offset]) => ({ topic: spec.topic, partition, offset }));
  try {
    await consumer.commit(offsets);
    for (const [p, o] of next) history.record<CommitEvent>({ type: 'commit', g: group, p, o, ok: true, t0 });
  } catch (err) {
    const e = errText(err);
    for (const [p, o] of next)
      history.record<CommitEvent>({ type: 'commit', g: group, p, o, ok: false, err: e, t0 });
  }
}

async function kafkajsConsumer(spec: WorkerSpec): Promise<void> {
  const group = spec.group ?? 'chaos';
  const kafka = kafkajsClient(spec, spec.name);
  while (!stopping) {
    const consumer = kafka.consumer({
      groupId: group,
      sessionTimeout: SESSION_TIMEOUT_MS,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 200,
      // kafkajs's round-robin assignor under the protocol name the Java client (and Samsa's) use.
      partitionAssigners: [(config) => ({ ...PartitionAssigners.roundRobin(config), name: 'roundrobin' })],
      retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 2000 },
    });
    // kafkajs restarts itself after retriable errors; after any other crash we start a new consumer.
    let crashed = false;
    consumer.on(consumer.events.CRASH, (e) => {
      workerEvent('error', `crash (restart: ${e.payload.restart}): ${errText(e.payload.error)}`);
      if (!e.payload.restart) crashed = true;
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: spec.topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: (payload) => kafkajsBatch(consumer, spec, group, payload, () => stopping || crashed),
      });
      while (!stopping && !crashed) await sleep(50);
    } catch (err) {
      workerEvent('error', `consumer: ${errText(err)}`);
      await sleep(500);
    }
    await consumer.disconnect().catch(() => {});
  }
}

type KafkajsConsumer = ReturnType<Kafka['consumer']>;
type EachBatch = Parameters<
  Parameters<KafkajsConsumer['run']>[0] extends infer R
    ? R extends { eachBatch?: infer F }
      ? NonNullable<F>
      : never
    : never
>[0];

/**
 * kafkajs 2.2.4 resolves commitOffsets as if it succeeded when an attempt fails after the consumer
 * stopped running (runner.js: "consumer not running, exiting"), so a commit that completes once this
 * consumer is stopping or crashed has an unknown outcome, not a successful one.
 */
const KAFKAJS_UNSURE = 'unknown: kafkajs resolves a failed commit once its consumer stops';

async function kafkajsBatch(
  consumer: KafkajsConsumer,
  spec: WorkerSpec,
  group: string,
  payload: EachBatch,
  notRunning: () => boolean,
) {
  const { batch, resolveOffset, heartbeat } = payload;
  if (batch.messages.length === 0) return;
  for (const m of batch.messages) {
    history.record<ReadEvent>({
      type: 'read',
      p: batch.partition,
      o: Number(m.offset),
      v: String(m.value),
      g: group,
    });
  }
  const last = batch.messages[batch.messages.length - 1].offset;
  const o = Number(last) + 1;
  const t0 = nowMs();
  try {
    await consumer.commitOffsets([{ topic: spec.topic, partition: batch.partition, offset: String(o) }]);
    const sure = !notRunning();
    const err = sure ? undefined : KAFKAJS_UNSURE;
    history.record<CommitEvent>({ type: 'commit', g: group, p: batch.partition, o, ok: sure, err, t0 });
  } catch (err) {
    const e = errText(err);
    history.record<CommitEvent>({ type: 'commit', g: group, p: batch.partition, o, ok: false, err: e, t0 });
  }
  resolveOffset(last);
  await heartbeat().catch(() => {});
}

/** Reads every partition from its start up to `endOffsets`, with Samsa's consumer (no group). */
async function samsaDrain(spec: WorkerSpec): Promise<void> {
  const ends = spec.endOffsets ?? [];
  const deadline = Date.now() + (spec.timeoutMs ?? 60_000);
  const consumer = new Consumer({
    bootstrapServers: spec.bootstrap,
    'client.id': spec.name,
    autoOffsetReset: 'earliest',
    enableAutoCommit: false,
    'request.timeout.ms': REQUEST_TIMEOUT_MS,
    'fetch.max.wait.ms': 200,
  });
  const todo = new Set(ends.map((_, p) => p).filter((p) => ends[p] > 0));
  const last = new Map<number, number>();
  consumer.assign([...todo].map((partition) => ({ topic: spec.topic, partition, offset: 0 })));
  await consumer.seekToBeginning().catch(() => {});
  while (todo.size > 0 && Date.now() < deadline) {
    let records: Awaited<ReturnType<Consumer['poll']>> = [];
    try {
      records = await consumer.poll(500);
    } catch (err) {
      workerEvent('error', `poll: ${errText(err)}`);
      await sleep(200);
    }
    for (const r of records) {
      history.record<ReadEvent>({ type: 'read', p: r.partition, o: r.offset, v: String(r.value) });
      last.set(r.partition, r.offset);
      if (r.offset + 1 >= ends[r.partition] && todo.delete(r.partition)) {
        history.record<DrainEndEvent>({
          type: 'drain-end',
          p: r.partition,
          end: ends[r.partition],
          complete: true,
        });
      }
    }
    for (const p of todo) {
      const position = consumer.position({ topic: spec.topic, partition: p });
      if (position !== null && position >= ends[p] && todo.delete(p)) {
        history.record<DrainEndEvent>({ type: 'drain-end', p, end: ends[p], complete: true });
      }
    }
  }
  ends.forEach((end, p) => {
    if (end === 0) history.record<DrainEndEvent>({ type: 'drain-end', p, end, complete: true });
    else if (todo.has(p)) {
      const detail = `timed out at offset ${(last.get(p) ?? -1) + 1} of ${end}`;
      history.record<DrainEndEvent>({ type: 'drain-end', p, end, complete: false, detail });
    }
  });
  await consumer.close().catch(() => {});
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as WorkerSpec;
  history = new HistoryWriter(spec.historyFile, spec.name);
  // The lab ends us with SIGTERM (stop cleanly) or SIGKILL (a crash); losing the lab ends us too.
  process.on('SIGTERM', () => {
    if (!stopping) workerEvent('stopping');
    stopping = true;
  });
  process.on('disconnect', () => process.exit(2));
  workerEvent('started', `${spec.role} ${spec.client} pid ${process.pid}`);
  const run =
    spec.role === 'drain'
      ? samsaDrain
      : spec.role === 'producer'
        ? spec.client === 'kafkajs'
          ? kafkajsProducer
          : samsaProducer
        : spec.client === 'kafkajs'
          ? kafkajsConsumer
          : samsaConsumer;
  await run(spec);
  workerEvent('exited');
  history.close();
  process.exit(0);
}

if (process.argv[1]?.endsWith('worker.js')) {
  main().catch((err) => {
    try {
      workerEvent('error', `fatal: ${errText(err)}`);
    } catch {}
    console.error(err);
    process.exit(1);
  });
}
