// MirrorMaker 2's dedicated-mode properties (`connect-mirror-maker.sh mm2.properties`) resolved into
// one settings object per replication flow. The lookup rules are MirrorMaker's:
// - `clusters = A, B` names the clusters; `A.bootstrap.servers` (and other `A.`-prefixed keys) belong
//   to cluster A.
// - A flow `A->B` replicates when `A->B.enabled = true`. Every ordered pair also emits heartbeats
//   (into its target's `heartbeats` topic) unless `emit.heartbeats.enabled` (or
//   `A->B.emit.heartbeats.enabled`) is false.
// - A flow setting is `A->B.<key>`, else the top-level `<key>`, else MirrorMaker's default.
// - Clients: the cluster's connection keys (`A.bootstrap.servers`, `A.security.protocol`, ...), then
//   `A->B.consumer.*` (or producer., admin.), then `A.consumer.*` for clients of cluster A.
// - Worker settings of the flow's target (`B.offset.flush.interval.ms`, `offset.storage.topic`):
//   the target-prefixed key, else the top-level one, else Kafka Connect's default.
// Problems are collected: `errors` stop the mirror with one line each; `warnings` (keys nothing
// reads, like Kafka's "supplied but isn't a known config") are printed and ignored.
import {
  CONFIG_PROPERTIES_EXCLUDE_DEFAULT,
  compilePatterns,
  GROUPS_DEFAULT,
  GROUPS_EXCLUDE_DEFAULT,
  includeExclude,
  type NameFilter,
  patternList,
  TOPICS_DEFAULT,
  TOPICS_EXCLUDE_DEFAULT,
} from './filters.js';
import { DEFAULT_POLICY, type ReplicationPolicy, replicationPolicy } from './policy.js';

export type Props = Record<string, string>;

/** A client's settings in Kafka's key names, for Samsa's Producer, Consumer or Admin. */
export type ClientProps = Record<string, string>;

export interface FlowClients {
  sourceConsumer: ClientProps;
  sourceAdmin: ClientProps;
  targetAdmin: ClientProps;
  /** Writes the mirrored records, the progress records and the checkpoints. */
  targetProducer: ClientProps;
  /** Writes offset syncs, on the cluster `offset-syncs.topic.location` names. */
  offsetSyncsProducer: ClientProps;
  offsetSyncsConsumer: ClientProps;
  offsetSyncsAdmin: ClientProps;
  targetConsumer: ClientProps;
}

export interface FlowConfig {
  source: string;
  target: string;
  /** `A->B.enabled`: records, topics, configs, ACLs, checkpoints. Heartbeats run either way. */
  enabled: boolean;
  policy: ReplicationPolicy;
  topicFilter: NameFilter;
  groupFilter: NameFilter;
  configPropertyFilter: NameFilter;
  useDefaultsFrom: 'source' | 'target';
  replicationFactor: number;
  /** Null: turned off. */
  refreshTopicsIntervalMs: number | null;
  syncTopicConfigsIntervalMs: number | null;
  syncTopicAclsIntervalMs: number | null;
  emitHeartbeatsIntervalMs: number | null;
  emitCheckpointsIntervalMs: number | null;
  syncGroupOffsetsIntervalMs: number | null;
  refreshGroupsIntervalMs: number | null;
  heartbeatsReplication: boolean;
  emitOffsetSyncs: boolean;
  offsetLagMax: number;
  offsetSyncsTopicLocation: 'source' | 'target';
  offsetSyncsTopic: string;
  checkpointsTopic: string;
  offsetSyncsTopicReplicationFactor: number;
  checkpointsTopicReplicationFactor: number;
  heartbeatsTopicReplicationFactor: number;
  /** Kafka Connect's offsets topic on the target, where replication progress is kept. */
  offsetStorageTopic: string;
  offsetStoragePartitions: number;
  offsetStorageReplicationFactor: number;
  offsetFlushIntervalMs: number;
  consumerPollTimeoutMs: number;
  adminTimeoutMs: number;
  /** `exactly.once.source.support = enabled`: records and progress in one transaction on the target. */
  exactlyOnce: boolean;
  clients: FlowClients;
}

export interface MirrorMakerConfig {
  clusters: string[];
  flows: FlowConfig[];
  warnings: string[];
}

export type ConfigResult = { ok: true; config: MirrorMakerConfig } | { ok: false; errors: string[] };

// ---- the keys and their defaults ---------------------------------------------------------------

type Kind = 'boolean' | 'long' | 'string' | 'list';
const FLOW_KEYS: Record<string, [Kind, string]> = {
  enabled: ['boolean', 'false'],
  topics: ['list', TOPICS_DEFAULT],
  'topics.exclude': ['list', TOPICS_EXCLUDE_DEFAULT],
  groups: ['list', GROUPS_DEFAULT],
  'groups.exclude': ['list', GROUPS_EXCLUDE_DEFAULT],
  'config.properties.exclude': ['list', CONFIG_PROPERTIES_EXCLUDE_DEFAULT],
  'use.defaults.from': ['string', 'target'],
  'replication.policy.class': ['string', DEFAULT_POLICY],
  'replication.policy.separator': ['string', '.'],
  'replication.policy.internal.topic.separator.enabled': ['boolean', 'true'],
  'replication.factor': ['long', '2'],
  'refresh.topics.enabled': ['boolean', 'true'],
  'refresh.topics.interval.seconds': ['long', '600'],
  'sync.topic.configs.enabled': ['boolean', 'true'],
  'sync.topic.configs.interval.seconds': ['long', '600'],
  'sync.topic.acls.enabled': ['boolean', 'true'],
  'sync.topic.acls.interval.seconds': ['long', '600'],
  'emit.heartbeats.enabled': ['boolean', 'true'],
  'emit.heartbeats.interval.seconds': ['long', '1'],
  'heartbeats.topic.replication.factor': ['long', '3'],
  'emit.checkpoints.enabled': ['boolean', 'true'],
  'emit.checkpoints.interval.seconds': ['long', '60'],
  'checkpoints.topic.replication.factor': ['long', '3'],
  'sync.group.offsets.enabled': ['boolean', 'false'],
  'sync.group.offsets.interval.seconds': ['long', '60'],
  'refresh.groups.enabled': ['boolean', 'true'],
  'refresh.groups.interval.seconds': ['long', '600'],
  'offset.lag.max': ['long', '100'],
  'offset-syncs.topic.replication.factor': ['long', '3'],
  'offset-syncs.topic.location': ['string', 'source'],
  'emit.offset-syncs.enabled': ['boolean', 'true'],
  'heartbeats.replication.enabled': ['boolean', 'true'],
  'consumer.poll.timeout.ms': ['long', '1000'],
  'admin.timeout.ms': ['long', '60000'],
  // Read but without effect here: one process runs every task; only the default filters exist.
  'tasks.max': ['long', '1'],
  'topic.filter.class': ['string', 'org.apache.kafka.connect.mirror.DefaultTopicFilter'],
  'group.filter.class': ['string', 'org.apache.kafka.connect.mirror.DefaultGroupFilter'],
  'config.property.filter.class': ['string', 'org.apache.kafka.connect.mirror.DefaultConfigPropertyFilter'],
  'source.cluster.alias': ['string', ''],
  'target.cluster.alias': ['string', ''],
};

/** Kafka Connect worker settings of the target cluster that the mirror reads. */
const WORKER_KEYS: Record<string, [Kind, string]> = {
  'offset.storage.topic': ['string', ''],
  'offset.storage.partitions': ['long', '25'],
  'offset.storage.replication.factor': ['long', '3'],
  'offset.flush.interval.ms': ['long', '60000'],
  'exactly.once.source.support': ['string', 'disabled'],
};

/** Top-level keys MirrorMaker accepts and this mirror has no use for. */
const TOP_LEVEL_QUIET =
  /^(config\.providers.*|dedicated\.mode\.enable\.internal\.rest|(config|status)\.storage\..*|(key|value|header)\.converter.*|task\..*|worker\..*|security\.protocol|ssl\..*|sasl\..*|bootstrap\.servers)$/;
const CLIENT_KEY = /^(bootstrap\.servers|security\.protocol|ssl\..+|sasl\..+|client\.dns\.lookup)$/;
const ROLE_PREFIX = /^(consumer|producer|admin)\./;

// ---- parsing ------------------------------------------------------------------------------------

class Lookup {
  readonly errors: string[] = [];
  constructor(
    private readonly props: Props,
    private readonly source: string,
    private readonly target: string,
  ) {}

  /** `A->B.key`, else `key`, else the default. */
  private raw(key: string): { value: string; from: string } {
    const flowKey = `${this.source}->${this.target}.${key}`;
    if (flowKey in this.props) return { value: this.props[flowKey], from: flowKey };
    if (key in this.props) return { value: this.props[key], from: key };
    const def = FLOW_KEYS[key] ?? WORKER_KEYS[key];
    return { value: def[1], from: key };
  }

  /** A worker key: `key` (offset.storage.* only, as MirrorMaker), `B.key`, `key`, default. */
  private worker(key: string): { value: string; from: string } {
    const targetKey = `${this.target}.${key}`;
    if (key.startsWith('offset.storage.') && key in this.props) return { value: this.props[key], from: key };
    if (targetKey in this.props) return { value: this.props[targetKey], from: targetKey };
    if (key in this.props) return { value: this.props[key], from: key };
    return { value: WORKER_KEYS[key][1], from: key };
  }

  private typed(r: { value: string; from: string }, kind: Kind): unknown {
    const v = r.value.trim();
    if (kind === 'boolean') {
      if (/^true$/i.test(v)) return true;
      if (/^false$/i.test(v)) return false;
      this.errors.push(`${r.from}: expected true or false, got '${r.value}'`);
      return false;
    }
    if (kind === 'long') {
      if (/^-?\d+$/.test(v) && Number.isSafeInteger(Number(v))) return Number(v);
      this.errors.push(`${r.from}: expected a whole number, got '${r.value}'`);
      return 0;
    }
    return kind === 'list' ? patternList(r.value) : v;
  }

  bool(key: string): boolean {
    return this.typed(this.raw(key), 'boolean') as boolean;
  }
  long(key: string): number {
    return this.typed(this.raw(key), 'long') as number;
  }
  string(key: string): string {
    return this.typed(this.raw(key), 'string') as string;
  }
  list(key: string): string[] {
    return this.typed(this.raw(key), 'list') as string[];
  }
  workerLong(key: string): number {
    return this.typed(this.worker(key), 'long') as number;
  }
  workerString(key: string): string {
    return this.typed(this.worker(key), 'string') as string;
  }

  /** `<what>.enabled` and `<what>.interval.seconds` as one interval in ms; null when off. */
  interval(what: string): number | null {
    if (!this.bool(`${what}.enabled`)) return null;
    const seconds = this.long(`${what}.interval.seconds`);
    return seconds < 0 ? null : seconds * 1000;
  }

  filter(includeKey: string, excludeKey: string): NameFilter {
    const inc = compilePatterns(this.list(includeKey), includeKey);
    const exc = compilePatterns(this.list(excludeKey), excludeKey);
    for (const f of [inc, exc]) if ('error' in f) this.errors.push(f.error);
    if ('error' in inc || 'error' in exc) return { matches: () => false };
    return includeExclude(inc, exc);
  }

  choice<T extends string>(key: string, values: readonly T[]): T {
    const v = this.string(key);
    if ((values as readonly string[]).includes(v)) return v as T;
    this.errors.push(`${key}: '${v}' is not one of ${values.join(', ')}`);
    return values[0];
  }
}

/** Keys of `prefix` with the prefix removed. */
function withPrefix(props: Props, prefix: string): Props {
  const out: Props = {};
  for (const [k, v] of Object.entries(props)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

/** The connection keys of a cluster: top-level ones, overridden by the cluster's own. */
function connectionKeys(props: Props, cluster: string): Props {
  const out: Props = {};
  for (const [k, v] of Object.entries(props)) if (CLIENT_KEY.test(k)) out[k] = v;
  for (const [k, v] of Object.entries(withPrefix(props, `${cluster}.`))) if (CLIENT_KEY.test(k)) out[k] = v;
  return out;
}

function clientProps(
  props: Props,
  flow: string,
  cluster: string,
  kind: 'consumer' | 'producer' | 'admin',
  role: string,
): ClientProps {
  const out: ClientProps = {
    ...connectionKeys(props, cluster),
    ...withPrefix(props, `${flow}.${kind}.`),
    ...withPrefix(props, `${cluster}.${kind}.`),
  };
  // `consumer.poll.timeout.ms` is a MirrorMaker setting that happens to start with `consumer.`.
  delete out['poll.timeout.ms'];
  const label = `${flow}|${role}`;
  out['client.id'] = out['client.id'] ? `${out['client.id']}|${label}` : label;
  if (kind === 'consumer') {
    out['enable.auto.commit'] = 'false';
    out['auto.offset.reset'] ??= 'earliest';
  }
  // Records reach the producer a fetch response at a time, appended in one go: waiting longer for
  // more only adds latency.
  if (kind === 'producer') {
    out['linger.ms'] ??= '1';
    // Without idempotence, order survives retries only with one request in flight (Connect's choice).
    const acks = (out.acks ?? 'all').trim();
    if (out['enable.idempotence']?.trim() === 'false' || (acks !== 'all' && acks !== '-1'))
      out['max.in.flight.requests.per.connection'] ??= '1';
  }
  // Remote topics are created by the mirror with the source's partition count, never on first use.
  out['allow.auto.create.topics'] = 'false';
  return out;
}

function flowClients(props: Props, source: string, target: string, syncsOn: string): FlowClients {
  const flow = `${source}->${target}`;
  return {
    sourceConsumer: clientProps(
      props,
      flow,
      source,
      'consumer',
      'MirrorSourceConnector|replication-consumer',
    ),
    sourceAdmin: clientProps(props, flow, source, 'admin', 'MirrorSourceConnector|replication-source-admin'),
    targetAdmin: clientProps(props, flow, target, 'admin', 'MirrorSourceConnector|replication-target-admin'),
    targetProducer: clientProps(
      props,
      flow,
      target,
      'producer',
      'MirrorSourceConnector|replication-producer',
    ),
    offsetSyncsProducer: clientProps(
      props,
      flow,
      syncsOn,
      'producer',
      'MirrorSourceConnector|offset-syncs-producer',
    ),
    offsetSyncsConsumer: clientProps(
      props,
      flow,
      syncsOn,
      'consumer',
      'MirrorCheckpointConnector|offset-syncs-consumer',
    ),
    offsetSyncsAdmin: clientProps(props, flow, syncsOn, 'admin', 'MirrorSourceConnector|offset-syncs-admin'),
    targetConsumer: clientProps(
      props,
      flow,
      target,
      'consumer',
      'MirrorCheckpointConnector|checkpoints-target-consumer',
    ),
  };
}

/** The flow's replication policy; checks that only the filters MirrorMaker ships are named. */
function policyOf(l: Lookup, source: string, errors: string[]): ReplicationPolicy {
  const policyClass = l.string('replication.policy.class');
  const policy = replicationPolicy(policyClass, {
    separator: l.string('replication.policy.separator'),
    internalTopicSeparatorEnabled: l.bool('replication.policy.internal.topic.separator.enabled'),
    // MirrorMaker hands every connector its flow's source alias.
    sourceClusterAlias: source,
  });
  if (!policy) {
    errors.push(
      `replication.policy.class: '${policyClass}' is not supported (DefaultReplicationPolicy or IdentityReplicationPolicy)`,
    );
  }
  for (const [key, known] of [
    ['topic.filter.class', 'DefaultTopicFilter'],
    ['group.filter.class', 'DefaultGroupFilter'],
    ['config.property.filter.class', 'DefaultConfigPropertyFilter'],
  ]) {
    if (l.string(key).split('.').pop() !== known) errors.push(`${key}: only ${known} is supported`);
  }
  return policy ?? (replicationPolicy(DEFAULT_POLICY) as ReplicationPolicy);
}

function configPropertyFilter(l: Lookup, errors: string[]): NameFilter {
  const f = compilePatterns(l.list('config.properties.exclude'), 'config.properties.exclude');
  if (!('error' in f)) return f;
  errors.push(f.error);
  return { matches: () => true };
}

function checkBounds(flow: FlowConfig, errors: string[]): void {
  for (const [k, v, min] of [
    ['offset.lag.max', flow.offsetLagMax, 0],
    ['offset.storage.partitions', flow.offsetStoragePartitions, 1],
    ['offset.flush.interval.ms', flow.offsetFlushIntervalMs, 1],
  ] as const) {
    if (v < min) errors.push(`${k}: ${v} is too small (at least ${min})`);
  }
}

function resolveFlow(
  props: Props,
  source: string,
  target: string,
  enabled: boolean,
  errors: string[],
): FlowConfig {
  const l = new Lookup(props, source, target);
  const p = policyOf(l, source, errors);
  const location = l.choice('offset-syncs.topic.location', ['source', 'target'] as const);
  const eos = l.workerString('exactly.once.source.support');
  if (!['enabled', 'disabled', 'preparing'].includes(eos))
    errors.push(`exactly.once.source.support: '${eos}' is not one of enabled, disabled, preparing`);
  const emitCheckpoints = l.interval('emit.checkpoints');
  const flow: FlowConfig = {
    source,
    target,
    enabled,
    policy: p,
    topicFilter: l.filter('topics', 'topics.exclude'),
    groupFilter: l.filter('groups', 'groups.exclude'),
    configPropertyFilter: configPropertyFilter(l, errors),
    useDefaultsFrom: l.choice('use.defaults.from', ['target', 'source'] as const),
    replicationFactor: l.long('replication.factor'),
    refreshTopicsIntervalMs: l.interval('refresh.topics'),
    syncTopicConfigsIntervalMs: l.interval('sync.topic.configs'),
    syncTopicAclsIntervalMs: l.interval('sync.topic.acls'),
    emitHeartbeatsIntervalMs: l.interval('emit.heartbeats'),
    emitCheckpointsIntervalMs: emitCheckpoints,
    // Group offsets are synced from the checkpoints, so they need checkpoints (as in MirrorMaker).
    syncGroupOffsetsIntervalMs: emitCheckpoints === null ? null : l.interval('sync.group.offsets'),
    refreshGroupsIntervalMs: l.interval('refresh.groups'),
    heartbeatsReplication: l.bool('heartbeats.replication.enabled'),
    emitOffsetSyncs: l.bool('emit.offset-syncs.enabled'),
    offsetLagMax: l.long('offset.lag.max'),
    offsetSyncsTopicLocation: location,
    offsetSyncsTopic: p.offsetSyncsTopic(location === 'source' ? target : source),
    checkpointsTopic: p.checkpointsTopic(source),
    offsetSyncsTopicReplicationFactor: l.long('offset-syncs.topic.replication.factor'),
    checkpointsTopicReplicationFactor: l.long('checkpoints.topic.replication.factor'),
    heartbeatsTopicReplicationFactor: l.long('heartbeats.topic.replication.factor'),
    offsetStorageTopic: l.workerString('offset.storage.topic') || `mm2-offsets.${source}.internal`,
    offsetStoragePartitions: l.workerLong('offset.storage.partitions'),
    offsetStorageReplicationFactor: l.workerLong('offset.storage.replication.factor'),
    offsetFlushIntervalMs: l.workerLong('offset.flush.interval.ms'),
    consumerPollTimeoutMs: l.long('consumer.poll.timeout.ms'),
    adminTimeoutMs: l.long('admin.timeout.ms'),
    exactlyOnce: eos === 'enabled',
    clients: flowClients(props, source, target, location === 'source' ? source : target),
  };
  checkBounds(flow, errors);
  errors.push(...l.errors);
  return flow;
}

/** Warnings for keys no part of the mirror reads. */
function unusedKeys(props: Props, clusters: string[]): string[] {
  const warnings: string[] = [];
  const known = (k: string) =>
    k in FLOW_KEYS || k in WORKER_KEYS || TOP_LEVEL_QUIET.test(k) || ROLE_PREFIX.test(k) || k === 'clusters';
  for (const key of Object.keys(props)) {
    const flow = /^([^.]+)->([^.]+)\.(.+)$/.exec(key);
    if (flow) {
      if (!clusters.includes(flow[1]) || !clusters.includes(flow[2]))
        warnings.push(`${key}: the flow names a cluster not listed in 'clusters'`);
      else if (
        !(flow[3] in FLOW_KEYS || ROLE_PREFIX.test(flow[3]) || flow[3].startsWith('replication.policy.'))
      )
        warnings.push(`The configuration '${key}' was supplied but isn't a known config.`);
      continue;
    }
    const dot = key.indexOf('.');
    if (dot > 0 && clusters.includes(key.slice(0, dot))) continue; // cluster settings: any worker key
    if (!known(key)) warnings.push(`The configuration '${key}' was supplied but isn't a known config.`);
  }
  return warnings;
}

/**
 * Resolves mm2.properties. `targets` (from `--clusters B`) keeps only the flows into those clusters.
 */
export function parseMirrorConfig(props: Props, options: { targets?: readonly string[] } = {}): ConfigResult {
  const errors: string[] = [];
  if (!('clusters' in props)) {
    return { ok: false, errors: ['Missing required configuration "clusters" which has no default value.'] };
  }
  const clusters = patternList(props.clusters);
  if (clusters.length < 2) errors.push(`clusters: name at least two clusters, got '${props.clusters}'`);
  for (const c of clusters) {
    if (!/^[A-Za-z0-9._-]+$/.test(c)) errors.push(`clusters: '${c}' is not a valid cluster alias`);
    else if (!connectionKeys(props, c)['bootstrap.servers'])
      errors.push(`${c}.bootstrap.servers: required (the brokers of cluster ${c})`);
  }
  for (const t of options.targets ?? []) {
    if (!clusters.includes(t)) errors.push(`--clusters: '${t}' is not listed in 'clusters'`);
  }
  const heartbeatsGlobal = !/^false$/i.test((props['emit.heartbeats.enabled'] ?? 'true').trim());
  const flows: FlowConfig[] = [];
  let anyEnabled = false;
  for (const source of clusters) {
    for (const target of clusters) {
      if (source === target) continue;
      const prefix = `${source}->${target}.`;
      const enabled = /^true$/i.test((props[`${prefix}enabled`] ?? 'false').trim());
      anyEnabled ||= enabled;
      if (options.targets && options.targets.length > 0 && !options.targets.includes(target)) continue;
      const hbKey = props[`${prefix}emit.heartbeats.enabled`];
      const heartbeats = hbKey === undefined ? heartbeatsGlobal : /^true$/i.test(hbKey.trim());
      if (enabled || heartbeats) flows.push(resolveFlow(props, source, target, enabled, errors));
    }
  }
  if (errors.length > 0) return { ok: false, errors: [...new Set(errors)] };
  if (!anyEnabled) {
    return { ok: false, errors: ["no replication flow is enabled: set 'A->B.enabled = true' for a flow"] };
  }
  return { ok: true, config: { clusters, flows, warnings: unusedKeys(props, clusters) } };
}
