// Reading MirrorMaker's internal topics from their beginning, as Kafka Connect's KafkaBasedLog does:
// every partition from its earliest offset, once to the end offsets seen at the start (`readToEnd`)
// or on and on after that (`LogTail`), handing each record to a callback.
import type { Admin, ConsumerRecord } from '../client/index.js';
import { Consumer } from '../client/index.js';
import type { ClientProps } from './config.js';
import { describeError, type MirrorLogger } from './logger.js';

export type RecordHandler = (record: ConsumerRecord) => void;

/** Wait before reading again after a failure. */
const RETRY_MS = 5_000;

async function partitionsOf(admin: Admin, topic: string): Promise<number[]> {
  const [d] = await admin.describeTopics([topic]);
  return d.partitions.map((p) => p.partition);
}

/** Ends of each partition now (what a first read must reach). */
async function endOffsets(admin: Admin, topic: string, partitions: number[]): Promise<Map<number, number>> {
  const listed = await admin.listOffsets(partitions.map((partition) => ({ topic, partition, at: 'latest' })));
  return new Map(listed.map((o) => [o.partition, o.offset]));
}

export class LogTail {
  private consumer: Consumer | null = null;
  private loop: Promise<void> | null = null;
  private stopped = false;
  private reachedEnd!: () => void;
  /** Resolves once every partition was read to the end offsets it had at the start. */
  readonly caughtUp = new Promise<void>((resolve) => {
    this.reachedEnd = resolve;
  });

  constructor(
    private readonly consumerProps: ClientProps,
    private readonly admin: Admin,
    private readonly topic: string,
    private readonly onRecord: RecordHandler,
    private readonly log: MirrorLogger,
  ) {}

  async start(): Promise<void> {
    const partitions = await partitionsOf(this.admin, this.topic);
    const ends = await endOffsets(this.admin, this.topic, partitions);
    if ([...ends.values()].every((e) => e <= 0)) this.reachedEnd();
    const next = new Map<number, number>();
    this.loop = (async () => {
      // A failed consumer (the cluster went away for longer than the client retries) is replaced,
      // resuming after the last record handed over, until stop().
      while (!this.stopped) {
        try {
          await this.read(partitions, ends, next);
        } catch (err) {
          if (this.stopped) break;
          this.log.error(`reading ${this.topic} failed: ${describeError(err)}; again in ${RETRY_MS} ms`);
          await this.consumer?.close().catch(() => {});
          await new Promise((r) => setTimeout(r, RETRY_MS));
        }
      }
    })();
  }

  private async read(
    partitions: number[],
    ends: Map<number, number>,
    next: Map<number, number>,
  ): Promise<void> {
    const consumer = new Consumer({ ...this.consumerProps, 'auto.offset.reset': 'earliest' });
    this.consumer = consumer;
    if (this.stopped) return;
    consumer.assign(
      partitions.map((partition) => ({ topic: this.topic, partition, offset: next.get(partition) })),
    );
    const check = () => {
      const done = partitions.every(
        (p) => (consumer.position({ topic: this.topic, partition: p }) ?? -1) >= (ends.get(p) ?? 0),
      );
      if (done) this.reachedEnd();
      return done;
    };
    const timer = setInterval(() => {
      if (check()) clearInterval(timer);
    }, 50);
    timer.unref();
    try {
      for await (const batch of consumer.batches()) {
        for (const r of batch.records) {
          this.onRecord(r);
          next.set(r.partition, r.offset + 1);
        }
        check();
      }
    } finally {
      clearInterval(timer);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.consumer?.close().catch(() => {});
    await this.loop;
  }
}

/** Reads a topic from its beginning to the end offsets it has now. */
export async function readToEnd(
  consumerProps: ClientProps,
  admin: Admin,
  topic: string,
  onRecord: RecordHandler,
  log: MirrorLogger,
  timeoutMs: number,
): Promise<void> {
  const tail = new LogTail(consumerProps, admin, topic, onRecord, log);
  await tail.start();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      tail.caughtUp,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`reading ${topic} to its end took over ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await tail.stop();
  }
}
