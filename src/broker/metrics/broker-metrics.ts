// The broker's metrics: families named as the Prometheus JMX exporter names Kafka's MBeans (see
// src/metrics/README.md for the mapping), consumer lag named as kafka-lag-exporter names it, Node.js
// process metrics, and the state behind /health and /ready. Components keep plain counters; this file
// reads them, and the node's state, only when scraped.
import type { MetadataImage } from '../../metadata/image.js';
import {
  type EndpointHandlers,
  type Exposition,
  type JsonAnswer,
  type Labels,
  MetricsRegistry,
  MetricsServer,
  ProcessMetrics,
} from '../../metrics/index.js';
import { errorInfo } from '../../protocol/errors.js';
import type { OpenFileStats } from '../../storage/index.js';
import type { ControllerService } from '../controller/controller-service.js';
import type { GroupCoordinator } from '../coordinator/group/coordinator.js';
import type { Logger } from '../logger.js';
import type { ReplicaManager } from '../replica/replica-manager.js';
import type { SocketServer } from '../server/listener.js';
import { ConsumerLag, type GroupLag } from './consumer-lag.js';
import { RequestStats } from './request-stats.js';
import type { TopicStats } from './topic-stats.js';

/** Kafka's quantiles of request times (its histograms' 50th to 999th percentiles). */
const QUANTILES: readonly [string, number][] = [
  ['0.50', 0.5],
  ['0.75', 0.75],
  ['0.95', 0.95],
  ['0.98', 0.98],
  ['0.99', 0.99],
  ['0.999', 0.999],
];

/** How long a scrape waits for the group coordinator before leaving the group families out. */
const GROUPS_TIMEOUT_MS = 3000;

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([p, expired]).finally(() => clearTimeout(timer));
}

/** Kafka's BrokerState values (kafka_server_kafkaserver_brokerstate). */
export const BrokerState = {
  STARTING: 1,
  RECOVERY: 2,
  RUNNING: 3,
  SHUTTING_DOWN: 7,
} as const;

export interface Readiness {
  logsRecovered: boolean;
  metadataLoaded: boolean;
  listenersBound: boolean;
  /** The node is in the metadata as a live broker (clients' Metadata answers name it). */
  registered: boolean;
}

/** What the collectors read; attached once the node has built its components. */
export interface MetricSources {
  replicas: ReplicaManager;
  controller: ControllerService;
  groups: GroupCoordinator;
  server: SocketServer;
  /** Listener names clients connect to (connection counts are reported for each, even at 0). */
  listenerNames: readonly string[];
  /** Whether this node is the active controller (a standalone node always is). */
  isActiveController(): boolean;
  /** The log files' descriptor cache (log.open.files.max); absent for logs kept in memory. */
  openFiles?: () => OpenFileStats;
}

export interface BrokerMetricsOptions {
  nodeId: number;
  clusterId: string;
  log: Logger;
  now?: () => number;
}

export class BrokerMetrics {
  readonly registry: MetricsRegistry;
  readonly process = new ProcessMetrics();
  readonly readiness: Readiness = {
    logsRecovered: false,
    metadataLoaded: false,
    listenersBound: false,
    registered: false,
  };
  stopping = false;
  /** Per-API request stats; null until instrumentation is turned on. */
  requestStats: RequestStats | null = null;
  lag: ConsumerLag | null = null;
  private sources: MetricSources | null = null;
  private endpoint: MetricsServer | null = null;
  private readonly startedMs: number;
  private readonly now: () => number;

  constructor(private readonly options: BrokerMetricsOptions) {
    this.now = options.now ?? Date.now;
    this.startedMs = this.now();
    this.registry = new MetricsRegistry((name, err) =>
      options.log.warn('metrics collector failed', { collector: name, err: String(err) }),
    );
    this.registry.add('broker', (w) => this.collectBroker(w));
    this.registry.add('topics', (w) => this.collectTopics(w));
    this.registry.add('requests', (w) => this.collectRequests(w));
    this.registry.add('network', (w) => this.collectNetwork(w));
    this.registry.add('replicas', (w) => this.collectReplicas(w));
    this.registry.add('logs', (w) => this.collectLogs(w));
    this.registry.add('controller', (w) => this.collectController(w));
    this.registry.add('groups', (w) => this.collectGroups(w));
    this.registry.add('process', (w) => this.process.collect(w));
  }

  /** Turns on per-request stats for the APIs the broker serves, and the process monitors. */
  instrument(apiKeys: readonly number[]): RequestStats {
    this.requestStats ??= new RequestStats(apiKeys);
    this.process.start();
    return this.requestStats;
  }

  attach(sources: MetricSources): void {
    this.sources = sources;
    this.lag = new ConsumerLag(sources.groups, sources.replicas, this.now);
  }

  scrape(): Promise<string> {
    return this.registry.scrape();
  }

  get ready(): boolean {
    const r = this.readiness;
    return r.logsRecovered && r.metadataLoaded && r.listenersBound && r.registered && !this.stopping;
  }

  get brokerState(): number {
    if (this.stopping) return BrokerState.SHUTTING_DOWN;
    if (!this.readiness.logsRecovered) return BrokerState.RECOVERY;
    return this.ready ? BrokerState.RUNNING : BrokerState.STARTING;
  }

  health(): JsonAnswer {
    return {
      status: 200,
      body: {
        status: 'up',
        nodeId: this.options.nodeId,
        clusterId: this.options.clusterId,
        uptimeSeconds: Math.round((this.now() - this.startedMs) / 1000),
      },
    };
  }

  readyAnswer(): JsonAnswer {
    return {
      status: this.ready ? 200 : 503,
      body: { ready: this.ready, stopping: this.stopping, checks: { ...this.readiness } },
    };
  }

  /** Serves /metrics, /health, /ready and /lag on host:port (0: a free port). */
  async serve(host: string, port: number): Promise<MetricsServer> {
    const handlers: EndpointHandlers = {
      metrics: () => this.scrape(),
      health: () => this.health(),
      ready: () => this.readyAnswer(),
      routes: { '/lag': (q) => this.lagAnswer(q.get('group')) },
      onError: (err) => this.options.log.error('metrics endpoint failed', { err: String(err) }),
    };
    this.endpoint = await MetricsServer.start({ host, port, handlers });
    return this.endpoint;
  }

  private async lagAnswer(group: string | null): Promise<JsonAnswer> {
    if (!this.lag) return { status: 503, body: { error: 'the broker is starting' } };
    if (group === null) return { status: 200, body: { groups: await this.lag.allGroups() } };
    const found = await this.lag.describeGroup(group);
    if (!found) return { status: 404, body: { error: `group ${group} is not coordinated by this broker` } };
    return { status: 200, body: found };
  }

  async close(): Promise<void> {
    this.process.stop();
    await this.endpoint?.close();
    this.endpoint = null;
  }

  // Collectors. Help texts say what a value means in Samsa; names are those operators already query.

  private collectBroker(w: Exposition): void {
    w.single(
      'kafka_server_kafkaserver_brokerstate',
      'gauge',
      'Broker state as Kafka numbers it: 1 starting, 2 recovering logs, 3 running, 7 shutting down.',
      this.brokerState,
    );
    w.family('samsa_broker_info', 'gauge', 'This broker: its node id and cluster id (always 1).').sample(
      [
        ['cluster_id', this.options.clusterId],
        ['node_id', this.options.nodeId],
      ],
      1,
    );
  }

  private collectTopics(w: Exposition): void {
    const s = this.sources;
    if (!s) return;
    const stats = s.replicas.topicStats;
    const topics = [...stats.topics()].sort((a, b) => (a.topic < b.topic ? -1 : 1));
    const family = (name: string, help: string, pick: (t: TopicStats) => number) => {
      w.family(`kafka_server_brokertopicmetrics_${name}_total`, 'counter', help);
      w.sample(null, pick(stats.all));
      for (const t of topics) w.sample([['topic', t.topic]], pick(t));
    };
    family(
      'bytesin',
      'Record bytes appended from clients (all topics without a topic label).',
      (t) => t.bytesIn,
    );
    family('bytesout', 'Record bytes sent to consumers in fetch responses.', (t) => t.bytesOut);
    family('messagesin', 'Records appended from clients.', (t) => t.messagesIn);
    family('bytesrejected', 'Bytes of batches refused as too large.', (t) => t.bytesRejected);
    family(
      'totalproducerequests',
      'Partition appends requested by producers (one per partition per request).',
      (t) => t.totalProduceRequests,
    );
    family(
      'failedproducerequests',
      'Partition appends refused or failed (every per-partition error, unlike Kafka which skips a few).',
      (t) => t.failedProduceRequests,
    );
    family(
      'totalfetchrequests',
      'Partition reads requested by fetches (one per partition per request).',
      (t) => t.totalFetchRequests,
    );
    family('failedfetchrequests', 'Partition reads answered with an error.', (t) => t.failedFetchRequests);
    w.single(
      'kafka_server_brokertopicmetrics_replicationbytesin_total',
      'counter',
      'Bytes this broker appended as a follower, fetched from leaders on other brokers.',
      stats.all.replicationBytesIn,
    );
    w.single(
      'kafka_server_brokertopicmetrics_replicationbytesout_total',
      'counter',
      'Bytes this broker sent as a leader to followers on other brokers.',
      stats.all.replicationBytesOut,
    );
  }

  private collectRequests(w: Exposition): void {
    const stats = this.requestStats;
    if (stats) {
      const all = stats.all();
      const nowMs = performance.now();
      w.family(
        'kafka_network_requestmetrics_requests_total',
        'counter',
        'Requests answered, by API and version.',
      );
      for (const a of all)
        a.byVersion.forEach((n, version) => {
          if (n !== undefined)
            w.sample(
              [
                ['request', a.name],
                ['version', version],
              ],
              n,
            );
        });
      w.family(
        'kafka_network_requestmetrics_errors_total',
        'counter',
        'Error codes in responses, by API and Kafka error name (NONE counts successes).',
      );
      for (const a of all)
        for (const [code, n] of a.errorCounts())
          w.sample(
            [
              ['request', a.name],
              ['error', errorInfo(code).name],
            ],
            n,
          );
      w.family(
        'kafka_network_requestmetrics_totaltimems',
        'summary',
        'Time from a request being read to its response being ready, in ms; quantiles over the last minute.',
      );
      for (const a of all) {
        const h = a.totalTimeMs;
        const values = h.quantiles(
          QUANTILES.map(([, q]) => q),
          nowMs,
        );
        // Without recent requests there is no quantile to tell; only _sum and _count are written.
        for (let i = 0; i < QUANTILES.length; i++)
          if (!Number.isNaN(values[i]))
            w.sample(
              [
                ['request', a.name],
                ['quantile', QUANTILES[i][0]],
              ],
              values[i],
            );
        w.sample([['request', a.name]], h.sum, '_sum');
        w.sample([['request', a.name]], h.count, '_count');
      }
    }
    // One event loop does the work of Kafka's network and request-handler threads: both idle shares
    // are the share of time it sat idle since the previous scrape.
    const idle = this.process.idleRatio;
    w.single(
      'kafka_server_kafkarequesthandlerpool_requesthandleravgidle_percent',
      'gauge',
      'Share of time (0-1) the event loop was idle since the previous scrape.',
      idle,
    );
    w.single(
      'kafka_network_socketserver_networkprocessoravgidle_percent',
      'gauge',
      'Share of time (0-1) the event loop was idle since the previous scrape.',
      idle,
    );
  }

  private collectNetwork(w: Exposition): void {
    const s = this.sources;
    if (!s) return;
    // Untyped, as the name ends in _count (which Prometheus reserves for summaries and histograms).
    w.family(
      'kafka_server_socket_server_metrics_connection_count',
      'untyped',
      'Open client connections, by listener.',
    );
    for (const name of s.listenerNames)
      w.sample(
        [
          ['listener', name],
          ['networkprocessor', 0],
        ],
        s.server.connectionCountFor(name),
      );
  }

  private collectReplicas(w: Exposition): void {
    const s = this.sources;
    if (!s) return;
    let leaders = 0;
    let under = 0;
    let underMinIsr = 0;
    let atMinIsr = 0;
    let offline = 0;
    for (const p of s.replicas.partitions()) {
      if (p.log.isOffline) offline++;
      if (!p.isLeader) continue;
      leaders++;
      // The leader's own view of its ISR (it changes before the metadata says so), as Kafka's gauges.
      const isr = p.isr.length;
      if (p.isUnderReplicated) under++;
      if (isr < p.effectiveMinIsr) underMinIsr++;
      else if (isr === p.effectiveMinIsr) atMinIsr++;
    }
    const gauge = (name: string, help: string, v: number) =>
      w.single(`kafka_server_replicamanager_${name}`, 'gauge', help, v);
    gauge('partitioncount', 'Partition replicas hosted on this broker.', s.replicas.partitionCount);
    gauge('leadercount', 'Partitions this broker leads.', leaders);
    gauge(
      'underreplicatedpartitions',
      'Partitions led here whose ISR is smaller than their replica set.',
      under,
    );
    gauge(
      'underminisrpartitioncount',
      'Partitions led here with fewer in-sync replicas than min.insync.replicas.',
      underMinIsr,
    );
    gauge(
      'atminisrpartitioncount',
      'Partitions led here with exactly min.insync.replicas in-sync replicas.',
      atMinIsr,
    );
    gauge(
      'offlinereplicacount',
      'Replicas hosted here whose log went offline after a failed write.',
      offline,
    );
    w.single(
      'kafka_server_replicamanager_isrshrinks_total',
      'counter',
      'Times the ISR of a partition led here shrank.',
      s.replicas.isrShrinks,
    );
    w.single(
      'kafka_server_replicamanager_isrexpands_total',
      'counter',
      'Times the ISR of a partition led here grew.',
      s.replicas.isrExpands,
    );
    w.single(
      'kafka_server_replicamanager_failedisrupdates_total',
      'counter',
      'ISR changes proposed by leaders here that the controller refused or that failed.',
      s.replicas.failedIsrUpdates,
    );
    w.family(
      'kafka_server_replicafetchermanager_maxlag',
      'gauge',
      "The largest lag, in offsets, of a partition followed here behind its leader's high watermark.",
    );
    w.sample([['clientid', 'Replica']], s.replicas.fetchers.maxLag);
    w.family('kafka_server_replicafetchermanager_deadthreadcount', 'gauge', 'Replica fetchers that died.');
    w.sample([['clientid', 'Replica']], 0);
    const fetches = s.replicas.fetchPurgatory.size;
    const produces = s.replicas.producePurgatory.size;
    for (const [name, help] of [
      ['purgatorysize', 'Requests waiting in a purgatory (fetches for min.bytes; produces for acks=all).'],
      ['numdelayedoperations', 'Delayed operations not yet completed, by purgatory.'],
    ]) {
      w.family(`kafka_server_delayedoperationpurgatory_${name}`, 'gauge', help);
      w.sample([['delayedoperation', 'Fetch']], fetches);
      w.sample([['delayedoperation', 'Produce']], produces);
    }
  }

  /** The descriptor cache of the log files (Samsa's own: Kafka leaves this to ulimit -n). */
  private collectOpenFiles(w: Exposition, o: OpenFileStats | undefined): void {
    if (!o) return;
    w.single(
      'samsa_log_open_files',
      'gauge',
      'Descriptors the logs hold now (segments, indexes, checkpoints).',
      o.open,
    );
    w.single(
      'samsa_log_open_files_max',
      'gauge',
      'The bound on them: log.open.files.max, or half the process limit.',
      o.openFilesMax,
    );
    w.single(
      'samsa_log_open_files_pinned',
      'gauge',
      'Of those, descriptors kept for files unlinked while in use.',
      o.pinned,
    );
    w.single(
      'samsa_log_files_opened_total',
      'counter',
      'Log files opened, first opens and reopens after an eviction.',
      o.opened,
    );
    w.single(
      'samsa_log_open_file_evictions_total',
      'counter',
      'Descriptors closed to make room for another file.',
      o.evictions,
    );
    w.single(
      'samsa_log_open_file_idle_closes_total',
      'counter',
      'Descriptors closed after a minute unused.',
      o.idleCloses,
    );
    w.single(
      'samsa_log_open_file_waits_total',
      'counter',
      'File operations that waited for a free descriptor.',
      o.waits,
    );
  }

  private collectLogs(w: Exposition): void {
    const s = this.sources;
    if (!s) return;
    this.collectOpenFiles(w, s.openFiles?.());
    const parts = [...s.replicas.partitions()].sort((a, b) =>
      a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.index - b.index,
    );
    const labels = parts.map(
      (p): Labels => [
        ['topic', p.topic],
        ['partition', p.index],
      ],
    );
    const perPartition = (name: string, help: string, pick: (i: number) => number) => {
      w.family(name, 'gauge', help);
      for (let i = 0; i < parts.length; i++) w.sample(labels[i], pick(i));
    };
    perPartition(
      'kafka_log_log_size',
      'Bytes of the partition log on disk, all segments.',
      (i) => parts[i].log.sizeBytes,
    );
    perPartition(
      'kafka_log_log_numlogsegments',
      'Segments of the partition log.',
      (i) => parts[i].log.segments.length,
    );
    perPartition(
      'kafka_log_log_logstartoffset',
      'First offset of the partition log.',
      (i) => parts[i].log.logStartOffset,
    );
    perPartition(
      'kafka_log_log_logendoffset',
      'Offset the next record appended to the partition log gets.',
      (i) => parts[i].log.logEndOffset,
    );
    const led = (i: number) => parts[i].isLeader;
    perPartition(
      'kafka_cluster_partition_replicascount',
      'Replicas of the partition (reported by its leader).',
      (i) => (led(i) ? parts[i].info.replicas.length : 0),
    );
    perPartition(
      'kafka_cluster_partition_insyncreplicascount',
      'In-sync replicas of the partition (by its leader).',
      (i) => (led(i) ? parts[i].isr.length : 0),
    );
    perPartition(
      'kafka_cluster_partition_underreplicated',
      '1 when the partition led here is under-replicated.',
      (i) => (parts[i].isUnderReplicated ? 1 : 0),
    );
    perPartition(
      'kafka_cluster_partition_underminisr',
      '1 when the partition led here is under min.insync.replicas.',
      (i) => (parts[i].isUnderMinIsr ? 1 : 0),
    );
    perPartition(
      'kafka_cluster_partition_atminisr',
      '1 when the partition led here is at min.insync.replicas.',
      (i) => (led(i) && parts[i].isr.length === parts[i].effectiveMinIsr ? 1 : 0),
    );
    perPartition(
      'kafka_cluster_partition_laststableoffsetlag',
      'High watermark minus last stable offset of the partition.',
      (i) => parts[i].log.highWatermark - parts[i].log.lastStableOffset,
    );
  }

  private collectController(w: Exposition): void {
    const s = this.sources;
    if (!s) return;
    const active = s.isActiveController();
    const image = s.controller.image;
    const counts = active ? controllerCounts(image) : null;
    const gauge = (name: string, help: string, v: number) =>
      w.single(`kafka_controller_kafkacontroller_${name}`, 'gauge', help, v);
    gauge(
      'activecontrollercount',
      '1 on the active controller, 0 elsewhere (sums to 1 over a cluster).',
      active ? 1 : 0,
    );
    gauge(
      'offlinepartitionscount',
      'Partitions without a live leader (active controller only).',
      counts?.offline ?? 0,
    );
    gauge('globaltopiccount', 'Topics in the cluster (active controller only).', counts?.topics ?? 0);
    gauge(
      'globalpartitioncount',
      'Partitions in the cluster (active controller only).',
      counts?.partitions ?? 0,
    );
    gauge(
      'activebrokercount',
      'Registered brokers that are not fenced (active controller only).',
      counts?.active ?? 0,
    );
    gauge(
      'fencedbrokercount',
      'Registered brokers that are fenced (active controller only).',
      counts?.fenced ?? 0,
    );
    gauge(
      'preferredreplicaimbalancecount',
      'Partitions whose leader is not their first replica (active controller only).',
      counts?.imbalanced ?? 0,
    );
    w.single(
      'kafka_controller_controllerstats_uncleanleaderelections_total',
      'counter',
      'Leaders elected from outside the ISR (Samsa never does).',
      0,
    );
  }

  private async collectGroups(w: Exposition): Promise<void> {
    const lag = this.lag;
    if (!lag) return;
    // Group state is read through the coordinator, after its pending writes: a stuck write must not
    // hold the whole scrape past Prometheus's timeout.
    const groups = await withTimeout(lag.allGroups(), GROUPS_TIMEOUT_MS, 'reading the groups took too long');
    const byState = new Map<string, number>();
    let offsets = 0;
    for (const g of groups) {
      byState.set(g.state, (byState.get(g.state) ?? 0) + 1);
      for (const p of g.partitions) if (p.committedOffset !== null) offsets++;
    }
    const gauge = (name: string, help: string, v: number) =>
      w.single(`kafka_coordinator_group_groupmetadatamanager_${name}`, 'gauge', help, v);
    gauge('numgroups', 'Consumer groups coordinated here.', groups.length);
    gauge('numoffsets', 'Committed offsets held for the groups coordinated here.', offsets);
    for (const [state, key] of [
      ['PreparingRebalance', 'numgroupspreparingrebalance'],
      ['CompletingRebalance', 'numgroupscompletingrebalance'],
      ['Stable', 'numgroupsstable'],
      ['Dead', 'numgroupsdead'],
      ['Empty', 'numgroupsempty'],
    ])
      gauge(key, `Groups coordinated here in state ${state}.`, byState.get(state) ?? 0);
    this.collectGroupStates(w, groups);
    this.collectLag(w, groups);
  }

  private collectGroupStates(w: Exposition, groups: GroupLag[]): void {
    w.family('samsa_consumergroup_members', 'gauge', 'Members of each group coordinated here.');
    for (const g of groups) w.sample([['group', g.group]], g.members);
    w.family('samsa_consumergroup_state', 'gauge', "Each group's state (1 for the state it is in).");
    for (const g of groups)
      w.sample(
        [
          ['group', g.group],
          ['state', g.state],
        ],
        1,
      );
    w.family(
      'samsa_consumergroup_generation',
      'gauge',
      "Each group's generation: it grows by one per rebalance (changes() counts rebalances).",
    );
    for (const g of groups) w.sample([['group', g.group]], g.generation);
  }

  private collectLag(w: Exposition, groups: GroupLag[]): void {
    const cluster = this.options.clusterId;
    const rows: { labels: Labels; offset: number; lag: number; seconds: number | null }[] = [];
    const latest = new Map<string, { topic: string; partition: number; end: number; start: number }>();
    for (const g of groups) {
      for (const p of g.partitions) {
        if (p.committedOffset === null || p.lag === null || p.logEndOffset === null) continue;
        rows.push({
          labels: [
            ['cluster_name', cluster],
            ['group', g.group],
            ['topic', p.topic],
            ['partition', p.partition],
            ['member_host', p.host],
            ['consumer_id', p.memberId],
            ['client_id', p.clientId],
          ],
          offset: p.committedOffset,
          lag: p.lag,
          seconds: p.lagSeconds,
        });
        latest.set(`${p.topic}\0${p.partition}`, {
          topic: p.topic,
          partition: p.partition,
          end: p.logEndOffset,
          start: p.logStartOffset ?? 0,
        });
      }
    }
    w.family('kafka_consumergroup_group_offset', 'gauge', "The group's committed offset on the partition.");
    for (const r of rows) w.sample(r.labels, r.offset);
    w.family(
      'kafka_consumergroup_group_lag',
      'gauge',
      'Records the group has not consumed: high watermark minus committed offset.',
    );
    for (const r of rows) w.sample(r.labels, r.lag);
    w.family(
      'kafka_consumergroup_group_lag_seconds',
      'gauge',
      'Age of the oldest record the group has not consumed, in seconds (0 when caught up).',
    );
    for (const r of rows) if (r.seconds !== null) w.sample(r.labels, r.seconds);
    const groupLabels = (g: GroupLag): Labels => [
      ['cluster_name', cluster],
      ['group', g.group],
      ['is_simple_consumer', g.protocolType === '' ? 'true' : 'false'],
    ];
    w.family(
      'kafka_consumergroup_group_max_lag',
      'gauge',
      'Largest lag in records over the partitions of the group.',
    );
    for (const g of groups) w.sample(groupLabels(g), g.maxLag);
    w.family(
      'kafka_consumergroup_group_max_lag_seconds',
      'gauge',
      'Largest lag in seconds over the partitions of the group.',
    );
    for (const g of groups) w.sample(groupLabels(g), g.maxLagSeconds);
    w.family(
      'kafka_consumergroup_group_sum_lag',
      'gauge',
      'Sum of the lag in records over the partitions of the group.',
    );
    for (const g of groups)
      w.sample(
        [
          ['cluster_name', cluster],
          ['group', g.group],
        ],
        g.sumLag,
      );
    w.family(
      'kafka_consumergroup_group_topic_sum_lag',
      'gauge',
      'Sum of the lag in records of the group, per topic.',
    );
    for (const g of groups) {
      const byTopic = new Map<string, number>();
      for (const p of g.partitions)
        if (p.lag !== null) byTopic.set(p.topic, (byTopic.get(p.topic) ?? 0) + p.lag);
      for (const [topic, sum] of byTopic)
        w.sample(
          [
            ['cluster_name', cluster],
            ['group', g.group],
            ['topic', topic],
          ],
          sum,
        );
    }
    const tps = [...latest.values()];
    const tpLabels = (t: (typeof tps)[number]): Labels => [
      ['cluster_name', cluster],
      ['topic', t.topic],
      ['partition', t.partition],
    ];
    w.family(
      'kafka_partition_latest_offset',
      'gauge',
      'High watermark of each partition a group has offsets on.',
    );
    for (const t of tps) w.sample(tpLabels(t), t.end);
    w.family(
      'kafka_partition_earliest_offset',
      'gauge',
      'Log start offset of each partition a group has offsets on.',
    );
    for (const t of tps) w.sample(tpLabels(t), t.start);
  }
}

function controllerCounts(image: MetadataImage) {
  let partitions = 0;
  let offline = 0;
  let imbalanced = 0;
  const live = (id: number) => {
    const b = image.brokers.get(id);
    return b !== undefined && !b.fenced;
  };
  for (const t of image.topicsById.values()) {
    for (const p of t.partitions) {
      if (!p) continue;
      partitions++;
      if (p.leader < 0 || !live(p.leader)) offline++;
      if (p.replicas.length > 0 && p.leader !== p.replicas[0]) imbalanced++;
    }
  }
  let fenced = 0;
  for (const b of image.brokers.values()) if (b.fenced) fenced++;
  return {
    topics: image.topicsById.size,
    partitions,
    offline,
    imbalanced,
    active: image.brokers.size - fenced,
    fenced,
  };
}
