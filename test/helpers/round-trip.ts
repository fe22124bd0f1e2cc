// The smallest end-to-end check of a cluster: produce records with acks=all, then read them all back
// in a consumer group from the earliest offset. The client configs carry the cluster's security.
import { Consumer, Producer } from '../../src/client/index.js';

/** Sends `count` records (`r0`, `r1`, ...) to `topic` with acks=all; returns them and what a group read back, both sorted. */
export async function produceAndReadBack(
  config: Record<string, string>,
  topic: string,
  count: number,
  groupId: string,
): Promise<{ sent: string[]; read: string[] }> {
  const sent = Array.from({ length: count }, (_, i) => `r${i}`);
  const producer = new Producer({ ...config, acks: 'all' });
  try {
    for (const value of sent) await producer.send({ topic, value });
  } finally {
    await producer.close();
  }
  const consumer = new Consumer({ ...config, 'group.id': groupId, 'auto.offset.reset': 'earliest' });
  const read: string[] = [];
  try {
    await consumer.subscribe([topic]);
    for await (const r of consumer) {
      read.push(r.value?.toString() ?? '');
      if (read.length === sent.length) break;
    }
  } finally {
    await consumer.close();
  }
  return { sent: sent.sort(), read: read.sort() };
}
