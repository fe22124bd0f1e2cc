// Helpers for the metrics tests: an in-process node with its metrics endpoint, a few Kafka requests
// spelled out (create a topic, produce a batch, fetch, commit an offset), and a reader of the
// Prometheus text format.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger, type LoggerOptions } from '../../src/broker/logger.js';
import { BrokerNode } from '../../src/broker/node.js';
import { DEVELOPER_DEFAULTS, loadBrokerConfig } from '../../src/config/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { buildBatch, type RecordInput } from '../../src/protocol/records/record.js';
import { RawClient } from '../helpers/raw-client.js';

export interface MetricsNode {
  node: BrokerNode;
  port: number;
  /** http://127.0.0.1:N, or '' when metrics are off. */
  base: string;
}

export async function startMetricsNode(
  overrides: Record<string, string> = {},
  options: { metrics?: boolean; log?: LoggerOptions } = {},
): Promise<MetricsNode> {
  const loaded = loadBrokerConfig({
    base: {
      ...DEVELOPER_DEFAULTS,
      listeners: 'PLAINTEXT://127.0.0.1:0',
      'log.dirs': '/samsa-metrics-memory',
    },
    overrides: { 'offsets.topic.num.partitions': '4', ...overrides },
    env: {},
  });
  if (!loaded.ok) throw new Error(loaded.error);
  const node = await BrokerNode.start({
    config: loaded.config,
    clusterId: 'metrics-test-cluster-0',
    storage: 'memory',
    log: options.log ? Logger.create(options.log) : Logger.silent(),
    metrics: options.metrics === false ? undefined : { port: 0, host: '127.0.0.1' },
  });
  const m = node.metricsAddress;
  return { node, port: node.listeners[0].boundPort, base: m ? `http://127.0.0.1:${m.port}` : '' };
}

export class Kafka {
  private constructor(readonly raw: RawClient) {}

  static async connect(port: number): Promise<Kafka> {
    return new Kafka(await RawClient.connect(port));
  }

  async createTopic(name: string, partitions = 1, configs: Record<string, string> = {}): Promise<void> {
    const r = await this.raw.request(19, 7, {
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

  /** Produces one batch; resolves with the partition's answer and the batch's size in bytes. */
  async produce(
    topic: string,
    partition: number,
    records: RecordInput[],
    options: Parameters<typeof buildBatch>[1] = {},
  ): Promise<{ errorCode: number; baseOffset: number; bytes: number }> {
    const batch = buildBatch(records, options);
    const r = await this.raw.request(0, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 10_000,
      topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }],
    });
    const p = r.responses[0].partitionResponses[0];
    return { errorCode: p.errorCode, baseOffset: Number(p.baseOffset), bytes: batch.length };
  }

  fetchRequest(topic: string, partition: number, offset: number, maxWaitMs = 0, minBytes = 0) {
    return this.raw.request(1, 11, {
      replicaId: -1,
      maxWaitMs,
      minBytes,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic,
          partitions: [
            {
              partition,
              fetchOffset: offset,
              partitionMaxBytes: 1 << 20,
              currentLeaderEpoch: -1,
              logStartOffset: -1,
            },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    });
  }

  /** Fetches from `offset`; resolves with the partition's error and record bytes. */
  async fetch(
    topic: string,
    partition: number,
    offset: number,
  ): Promise<{ errorCode: number; bytes: number }> {
    const r = await this.fetchRequest(topic, partition, offset);
    const p = r.responses[0].partitions[0];
    return { errorCode: p.errorCode, bytes: p.records ? p.records.length : 0 };
  }

  /** Waits until the group's coordinator (this node) has loaded its `__consumer_offsets` partition. */
  async coordinatorReady(group: string): Promise<void> {
    await this.raw.request(10, 3, { key: group, keyType: 0 });
    for (let attempt = 0; attempt < 100; attempt++) {
      const r = await this.raw.request(9, 8, {
        groups: [{ groupId: group, topics: null }],
        requireStable: false,
      });
      const code = r.groups[0].errorCode;
      if (code === ErrorCode.NONE) return;
      if (code !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS && code !== ErrorCode.NOT_COORDINATOR)
        assert.fail(`OffsetFetch ${group}: error ${code}`);
      await sleep(20);
    }
    assert.fail(`${group}: the coordinator never loaded`);
  }

  /** Commits offsets for a group without membership (as a "simple" consumer or an admin tool does). */
  async commit(group: string, topic: string, offsets: Record<number, number>): Promise<void> {
    await this.coordinatorReady(group);
    const body = {
      groupId: group,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: topic,
          partitions: Object.entries(offsets).map(([p, o]) => ({
            partitionIndex: Number(p),
            committedOffset: o,
            committedLeaderEpoch: -1,
            committedMetadata: null,
          })),
        },
      ],
    };
    for (let attempt = 0; attempt < 100; attempt++) {
      const r = await this.raw.request(8, 8, body);
      const code = r.topics[0].partitions[0].errorCode;
      if (code === ErrorCode.NONE) return;
      if (code !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS && code !== ErrorCode.NOT_COORDINATOR)
        assert.fail(`commit ${group}: error ${code}`);
      await sleep(20);
    }
    assert.fail(`commit ${group}: the coordinator never loaded`);
  }

  async deleteGroups(groups: string[]): Promise<number[]> {
    const r = await this.raw.request(42, 2, { groupsNames: groups });
    return r.results.map((x: { errorCode: number }) => x.errorCode);
  }

  close(): void {
    this.raw.close();
  }
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Reads the samples of a Prometheus text exposition (comments skipped). */
export function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `unparsable line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]] = l[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    const v = m[4];
    out.push({ name: m[1], labels, value: v === 'NaN' ? Number.NaN : v === '+Inf' ? Infinity : Number(v) });
  }
  return out;
}

/** The samples named `name` whose labels include `labels` (exactly these labels when `exact`). */
export function find(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
  exact = false,
): Sample[] {
  return samples.filter(
    (s) =>
      s.name === name &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v) &&
      (!exact || Object.keys(s.labels).length === Object.keys(labels).length),
  );
}

/** The one value of `name` with these labels (exactly these when `exact`); fails when not exactly one. */
export function value(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
  exact = false,
): number {
  const found = find(samples, name, labels, exact);
  assert.equal(found.length, 1, `${name}${JSON.stringify(labels)}: ${found.length} samples`);
  return found[0].value;
}

export async function scrape(base: string): Promise<{ text: string; samples: Sample[] }> {
  const res = await fetch(`${base}/metrics`);
  assert.equal(res.status, 200);
  const text = await res.text();
  return { text, samples: parseExposition(text) };
}
