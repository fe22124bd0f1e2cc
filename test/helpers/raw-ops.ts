// Requests that protocol tests send again and again, over a RawClient, with the versions real clients
// use: create a topic, find its id, produce a batch, fetch.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { batchBounds } from '../../src/protocol/records/batch.js';
import {
  type BatchOptions,
  buildBatch,
  type KafkaRecord,
  type RecordInput,
  readRecords,
} from '../../src/protocol/records/record.js';
import type { RawClient } from './raw-client.js';

export async function createTopic(
  c: RawClient,
  name: string,
  partitions = 1,
  configs: Record<string, string> = {},
): Promise<void> {
  const r = await c.request(19, 7, {
    topics: [
      {
        name,
        numPartitions: partitions,
        replicationFactor: 1,
        assignments: [],
        configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })),
      },
    ],
    timeoutMs: 10_000,
    validateOnly: false,
  });
  assert.equal(r.topics[0].errorCode, 0, `create ${name}: ${r.topics[0].errorMessage}`);
}

/**
 * A consumer's sessionless Fetch body for partition 0 of `topic`, by name (Fetch v4-12), as the
 * protocol tests and benches send it.
 */
export function fetchRequest(topic: string, offset: number, maxBytes: number, maxWaitMs = 0, minBytes = 0) {
  return {
    replicaId: -1,
    maxWaitMs,
    minBytes,
    maxBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic,
        partitions: [
          {
            partition: 0,
            fetchOffset: offset,
            partitionMaxBytes: maxBytes,
            currentLeaderEpoch: -1,
            logStartOffset: -1,
          },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  };
}

/** The topic's id, from Metadata v12. */
export async function topicId(c: RawClient, name: string): Promise<string> {
  const r = await c.request(3, 12, {
    topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name }],
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: false,
  });
  assert.equal(r.topics[0].errorCode, 0, `metadata ${name}`);
  return r.topics[0].topicId;
}

export interface ProduceAnswer {
  index: number;
  errorCode: number;
  baseOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
  recordErrors: { batchIndex: number; batchIndexErrorMessage: string | null }[];
  errorMessage: string | null;
}

/** Produces one batch to one partition (Produce v9 unless told), acks=all; the partition's answer. */
export async function produce(
  c: RawClient,
  topic: string,
  partition: number,
  records: RecordInput[],
  options: BatchOptions & { version?: number } = {},
): Promise<ProduceAnswer> {
  const r = await c.request(0, options.version ?? 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 10_000,
    topicData: [
      { name: topic, partitionData: [{ index: partition, records: buildBatch(records, options) }] },
    ],
  });
  const p = r.responses[0].partitionResponses[0];
  return { ...p, baseOffset: Number(p.baseOffset), logStartOffset: Number(p.logStartOffset) };
}

/** Retries `attempt` while it returns undefined, every `everyMs`, up to `timeoutMs`. */
export async function eventually<T>(
  what: string,
  attempt: () => Promise<T | undefined>,
  timeoutMs = 10_000,
  everyMs = 20,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await attempt();
    if (v !== undefined) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Every record of a fetched `records` field (any number of batches, as slices or one buffer). */
export function allRecords(records: Buffer | Buffer[] | null | undefined): KafkaRecord[] {
  if (!records) return [];
  const buf = Array.isArray(records) ? Buffer.concat(records) : records;
  return batchBounds(buf).starts.flatMap((pos) => [...readRecords(buf, pos)]);
}
