// How mirrored records and the replication progress reach the target: the seam between at-least-once
// and exactly-once delivery.
//
// - At least once (MirrorMaker's default): records go through an idempotent producer; progress names
//   only records the target has acknowledged, and is written after them. A mirror killed between the
//   two copies the records after the last progress again on restart: duplicates, never a gap.
// - Exactly once (`exactly.once.source.support = enabled`, Kafka Connect's KIP-618): records and the
//   progress that covers them are written in one transaction on the target, so a restart resumes
//   exactly after the last committed transaction. Progress then names the records *sent* in the
//   transaction, and acknowledgements arrive when it commits. This needs transactions in Samsa's
//   client; until they exist, asking for it is an error rather than a silent downgrade.
import type { KafkaError, Producer, ProducerRecord, RecordMetadata } from '../client/index.js';

export interface Delivery {
  /** Which records progress may claim: acknowledged ones, or every one sent in the transaction. */
  readonly basis: 'acknowledged' | 'sent';
  /** Sends a mirrored record; one of the callbacks gets `token` back (no promise per record). */
  send(
    record: ProducerRecord,
    token: number,
    onDelivered: (m: RecordMetadata, token: number) => void,
    onFailed: (e: KafkaError, token: number) => void,
  ): void;
  /** Writes progress records; resolves once they are durable (with the records they cover). */
  commit(progress: readonly ProducerRecord[]): Promise<void>;
  /** Waits for everything sent so far. */
  flush(): Promise<void>;
}

export class AtLeastOnceDelivery implements Delivery {
  readonly basis = 'acknowledged' as const;
  constructor(private readonly producer: Producer) {}

  send(
    record: ProducerRecord,
    token: number,
    onDelivered: (m: RecordMetadata, token: number) => void,
    onFailed: (e: KafkaError, token: number) => void,
  ): void {
    this.producer.sendWithCallbacks(record, token, onDelivered, onFailed);
  }

  async commit(progress: readonly ProducerRecord[]): Promise<void> {
    await Promise.all(progress.map((r) => this.producer.send(r)));
  }

  flush(): Promise<void> {
    return this.producer.flush();
  }
}

/** The delivery a flow asks for, or why it cannot have it. */
export function createDelivery(producer: Producer, exactlyOnce: boolean): Delivery | { error: string } {
  if (exactlyOnce) {
    return {
      error:
        "exactly.once.source.support=enabled needs transactions on the target, which Samsa's client does not support yet; remove it to mirror at least once",
    };
  }
  return new AtLeastOnceDelivery(producer);
}
