// The mirror's metrics, under the names Prometheus's JMX exporter gives MirrorMaker 2's MBeans with
// the usual rules (Strimzi's `kafka-mirror-maker-2-metrics` config: lowercased, the MBean type in the
// name, attribute dashes as underscores):
//
//   kafka.connect.mirror:type=MirrorSourceConnector,source=A,target=B,topic=A.orders,partition=0
//     record-count, record-rate, record-age-ms(-min/-max/-avg), byte-count, byte-rate,
//     replication-latency-ms(-min/-max/-avg)
//   → kafka_connect_mirror_mirrorsourceconnector_<attribute>{source,target,topic,partition}
//   kafka.connect.mirror:type=MirrorCheckpointConnector,source=A,target=B,group=g,topic=A.orders,partition=0
//     checkpoint-latency-ms(-min/-max/-avg)
//   → kafka_connect_mirror_mirrorcheckpointconnector_<attribute>{source,target,group,topic,partition}
//   kafka.consumer:type=consumer-fetch-manager-metrics,client-id=..,topic=orders,partition=0 records-lag
//   → kafka_consumer_fetch_manager_records_lag{clientid,topic,partition}
//
// `topic` is the remote topic for MirrorMaker's metrics and the source topic for the consumer's, as in
// MirrorMaker. Min, max, avg and rates cover the last 30 to 60 seconds (two 30-second samples, Kafka's
// metrics defaults); `replication-latency-ms` and `record-age-ms` are the latest record's values.
// Counts are `untyped` rather than gauges so that `promtool check metrics` accepts their `_count` name.
import { type Exposition, Histogram, LATENCY_MS } from '../metrics/index.js';

const SAMPLE_MS = 30_000;

/** Value, min, max, avg and count over two 30 s samples. */
export class WindowStat {
  last = Number.NaN;
  private readonly start = [0, 0];
  private readonly count = [0, 0];
  private readonly sum = [0, 0];
  private readonly min = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
  private readonly max = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  private current = 0;

  record(value: number, nowMs: number): void {
    this.last = value;
    if (nowMs - this.start[this.current] >= SAMPLE_MS) this.roll(nowMs);
    const i = this.current;
    this.count[i]++;
    this.sum[i] += value;
    if (value < this.min[i]) this.min[i] = value;
    if (value > this.max[i]) this.max[i] = value;
  }

  private roll(nowMs: number): void {
    this.current ^= 1;
    const i = this.current;
    this.start[i] = nowMs;
    this.count[i] = 0;
    this.sum[i] = 0;
    this.min[i] = Number.POSITIVE_INFINITY;
    this.max[i] = Number.NEGATIVE_INFINITY;
  }

  private live(nowMs: number): number[] {
    return [0, 1].filter((i) => this.count[i] > 0 && nowMs - this.start[i] < 2 * SAMPLE_MS);
  }

  summary(nowMs: number): { count: number; min: number; max: number; avg: number; ratePerSec: number } {
    const live = this.live(nowMs);
    const count = live.reduce((a, i) => a + this.count[i], 0);
    if (count === 0) return { count: 0, min: Number.NaN, max: Number.NaN, avg: Number.NaN, ratePerSec: 0 };
    const sum = live.reduce((a, i) => a + this.sum[i], 0);
    const oldest = Math.min(...live.map((i) => this.start[i]));
    const elapsedSec = Math.max(1, (nowMs - oldest) / 1000);
    return {
      count,
      min: Math.min(...live.map((i) => this.min[i])),
      max: Math.max(...live.map((i) => this.max[i])),
      avg: sum / count,
      ratePerSec: count / elapsedSec,
    };
  }

  /** Sum of the recorded values over the window, per second. */
  sumRate(nowMs: number): number {
    const live = this.live(nowMs);
    if (live.length === 0) return 0;
    const oldest = Math.min(...live.map((i) => this.start[i]));
    return live.reduce((a, i) => a + this.sum[i], 0) / Math.max(1, (nowMs - oldest) / 1000);
  }
}

/** One mirrored partition's figures. */
export class PartitionMetrics {
  recordCount = 0;
  byteCount = 0;
  readonly recordAge = new WindowStat();
  readonly latency = new WindowStat();
  readonly bytes = new WindowStat();

  constructor(
    readonly sourceTopic: string,
    readonly remoteTopic: string,
    readonly partition: number,
  ) {}

  /** A record the target acknowledged. */
  replicated(latencyMs: number, valueBytes: number, nowMs: number): void {
    this.recordCount++;
    this.byteCount += valueBytes;
    this.latency.record(latencyMs, nowMs);
    this.bytes.record(valueBytes, nowMs);
  }
}

export class CheckpointMetrics {
  readonly latency = new WindowStat();
  constructor(
    readonly group: string,
    readonly topic: string,
    readonly partition: number,
  ) {}
}

/** What a flow shows of itself at a scrape. */
export interface FlowMetricsView {
  source: string;
  target: string;
  consumerClientId: string;
  partitions: Iterable<{ metrics: PartitionMetrics; lagRecords: number | null }>;
  checkpoints: Iterable<CheckpointMetrics>;
}

/** Replication latency of a whole flow, for quantiles (status and benchmarks). */
export function latencyHistogram(): Histogram {
  return new Histogram(LATENCY_MS);
}

const SOURCE = 'kafka_connect_mirror_mirrorsourceconnector_';
const CHECKPOINT = 'kafka_connect_mirror_mirrorcheckpointconnector_';

type Row = { labels: [string, string][]; m: PartitionMetrics; lag: number | null };
type RowStats = {
  r: Row;
  age: ReturnType<WindowStat['summary']>;
  lat: ReturnType<WindowStat['summary']>;
  bytes: number;
};

/** MirrorSourceConnector's attributes: name (as the exporter writes it), type, help, value. */
const SOURCE_FAMILIES: [string, 'untyped' | 'gauge', string, (s: RowStats) => number][] = [
  [
    'record_count',
    'untyped',
    'Number of source records replicated to the target cluster.',
    (s) => s.r.m.recordCount,
  ],
  [
    'record_rate',
    'gauge',
    'Average number of source records replicated to the target cluster per second.',
    (s) => s.lat.ratePerSec,
  ],
  [
    'record_age_ms',
    'gauge',
    'The age of incoming source records when replicated to the target cluster.',
    (s) => s.r.m.recordAge.last,
  ],
  [
    'record_age_ms_min',
    'gauge',
    'The min age of incoming source records when replicated to the target cluster.',
    (s) => s.age.min,
  ],
  [
    'record_age_ms_max',
    'gauge',
    'The max age of incoming source records when replicated to the target cluster.',
    (s) => s.age.max,
  ],
  [
    'record_age_ms_avg',
    'gauge',
    'The average age of incoming source records when replicated to the target cluster.',
    (s) => s.age.avg,
  ],
  ['byte_count', 'untyped', 'Number of bytes replicated to the target cluster.', (s) => s.r.m.byteCount],
  ['byte_rate', 'gauge', 'Average number of bytes replicated per second.', (s) => s.bytes],
  [
    'replication_latency_ms',
    'gauge',
    'Time it takes records to replicate from source to target cluster.',
    (s) => s.r.m.latency.last,
  ],
  [
    'replication_latency_ms_min',
    'gauge',
    'Min time it takes records to replicate from source to target cluster.',
    (s) => s.lat.min,
  ],
  [
    'replication_latency_ms_max',
    'gauge',
    'Max time it takes records to replicate from source to target cluster.',
    (s) => s.lat.max,
  ],
  [
    'replication_latency_ms_avg',
    'gauge',
    'Average time it takes records to replicate from source to target cluster.',
    (s) => s.lat.avg,
  ],
];

function sourceFamilies(w: Exposition, rows: Row[], nowMs: number): void {
  const stats: RowStats[] = rows.map((r) => ({
    r,
    age: r.m.recordAge.summary(nowMs),
    lat: r.m.latency.summary(nowMs),
    bytes: r.m.bytes.sumRate(nowMs),
  }));
  for (const [name, type, help, value] of SOURCE_FAMILIES) {
    w.family(`${SOURCE}${name}`, type, help);
    for (const s of stats) w.sample(s.r.labels, value(s));
  }
}

/** Every flow's metric families, each family whole. */
export function writeMirrorMetrics(w: Exposition, flows: readonly FlowMetricsView[], nowMs: number): void {
  const rows: Row[] = [];
  const lags: { labels: [string, string][]; lag: number }[] = [];
  const checkpoints: { labels: [string, string][]; s: ReturnType<WindowStat['summary']>; last: number }[] =
    [];
  for (const f of flows) {
    for (const { metrics: m, lagRecords } of f.partitions) {
      rows.push({
        labels: [
          ['source', f.source],
          ['target', f.target],
          ['topic', m.remoteTopic],
          ['partition', String(m.partition)],
        ],
        m,
        lag: lagRecords,
      });
      if (lagRecords !== null)
        lags.push({
          labels: [
            ['clientid', f.consumerClientId],
            ['topic', m.sourceTopic],
            ['partition', String(m.partition)],
          ],
          lag: lagRecords,
        });
    }
    for (const c of f.checkpoints) {
      checkpoints.push({
        labels: [
          ['source', f.source],
          ['target', f.target],
          ['group', c.group],
          ['topic', c.topic],
          ['partition', String(c.partition)],
        ],
        s: c.latency.summary(nowMs),
        last: c.latency.last,
      });
    }
  }
  sourceFamilies(w, rows, nowMs);
  const help = 'Time it takes consumer group offsets to replicate from source to target cluster.';
  for (const [suffix, pick] of [
    ['', (c: (typeof checkpoints)[number]) => c.last],
    ['_min', (c: (typeof checkpoints)[number]) => c.s.min],
    ['_max', (c: (typeof checkpoints)[number]) => c.s.max],
    ['_avg', (c: (typeof checkpoints)[number]) => c.s.avg],
  ] as const) {
    w.family(`${CHECKPOINT}checkpoint_latency_ms${suffix}`, 'gauge', help);
    for (const c of checkpoints) w.sample(c.labels, pick(c));
  }
  w.family(
    'kafka_consumer_fetch_manager_records_lag',
    'gauge',
    'The latest lag of the partition: records between the replication position and the end of the source partition.',
  );
  for (const l of lags) w.sample(l.labels, l.lag);
}
