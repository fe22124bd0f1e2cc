// Sends records without waiting for each acknowledgement while keeping the number in flight
// bounded, so a large input streams through a fixed amount of memory. Failures are counted and
// reported through `onError`.
import type { Producer, ProducerRecord, RecordMetadata } from '../../client/index.js';

export class SendQueue {
  private pending = 0;
  private wake: (() => void) | null = null;
  failures = 0;
  sent = 0;

  constructor(
    private readonly producer: Producer,
    private readonly onError: (record: ProducerRecord, err: Error) => void,
    private readonly onSent: (record: ProducerRecord, meta: RecordMetadata) => void = () => {},
    private readonly maxPending = 10_000,
  ) {}

  /** Queues a record; waits first while too many are in flight. */
  async send(record: ProducerRecord): Promise<void> {
    while (this.pending >= this.maxPending) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    this.pending++;
    this.producer.send(record).then(
      (meta) => {
        this.sent++;
        this.onSent(record, meta);
        this.done();
      },
      (err: Error) => {
        this.failures++;
        this.onError(record, err);
        this.done();
      },
    );
  }

  private done(): void {
    this.pending--;
    if (this.wake && (this.pending < this.maxPending / 2 || this.pending === 0)) {
      const w = this.wake;
      this.wake = null;
      w();
    }
  }

  /** Resolves once every queued record was acknowledged or failed. */
  async drained(): Promise<void> {
    while (this.pending > 0) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        if (this.pending === 0) resolve();
      });
    }
  }

  /** Sends one record and waits for its acknowledgement (--sync). */
  async sendAndWait(record: ProducerRecord): Promise<void> {
    try {
      const meta = await this.producer.send(record);
      this.sent++;
      this.onSent(record, meta);
    } catch (err) {
      this.failures++;
      this.onError(record, err as Error);
    }
  }
}

/** How Kafka's tools describe a key or value in an error: `null` or `N bytes`. */
export function sizeText(v: Buffer | string | null | undefined): string {
  if (v === null || v === undefined) return 'null';
  return `${typeof v === 'string' ? Buffer.byteLength(v) : v.length} bytes`;
}
