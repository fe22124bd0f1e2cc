// Replication policies: how remote topics are named and which topics are MirrorMaker's own. The two
// MirrorMaker 2 ships, with its rules:
// - DefaultReplicationPolicy: `orders` from cluster A becomes `A.orders` on the target (the separator
//   is `replication.policy.separator`, "." by default). A topic's source is the part before the first
//   separator, so topics travel several hops (`B.A.orders`) and cycles are detectable.
// - IdentityReplicationPolicy: names stay as they are (heartbeats excepted: `heartbeats` still becomes
//   `A.heartbeats`); the source of a topic is unknowable (`source.cluster.alias` if set), so cycles
//   are not detected and the topology must be acyclic.
// Internal topic names (`mm2-offset-syncs.B.internal`, `A.checkpoints.internal`) use the separator
// too, unless `replication.policy.internal.topic.separator.enabled` is false.

export const DEFAULT_POLICY = 'org.apache.kafka.connect.mirror.DefaultReplicationPolicy';
export const IDENTITY_POLICY = 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy';
export const HEARTBEATS_TOPIC = 'heartbeats';

export interface ReplicationPolicy {
  readonly name: string;
  formatRemoteTopic(sourceAlias: string, topic: string): string;
  /** The cluster a remote topic came from; null when the topic is not a remote topic. */
  topicSource(topic: string): string | null;
  /** The topic's name one hop upstream; null when it is not a remote topic. */
  upstreamTopic(topic: string): string | null;
  offsetSyncsTopic(clusterAlias: string): string;
  checkpointsTopic(clusterAlias: string): string;
  isCheckpointsTopic(topic: string): boolean;
  isMM2InternalTopic(topic: string): boolean;
}

export interface PolicyOptions {
  separator?: string;
  internalTopicSeparatorEnabled?: boolean;
  /** IdentityReplicationPolicy's `source.cluster.alias`. */
  sourceClusterAlias?: string | null;
}

class DefaultPolicy implements ReplicationPolicy {
  readonly name: string = DEFAULT_POLICY;
  protected readonly separator: string;
  private readonly internalSeparator: string;

  constructor(options: PolicyOptions) {
    this.separator = options.separator ?? '.';
    this.internalSeparator = options.internalTopicSeparatorEnabled === false ? '.' : this.separator;
  }

  formatRemoteTopic(sourceAlias: string, topic: string): string {
    return `${sourceAlias}${this.separator}${topic}`;
  }

  topicSource(topic: string): string | null {
    const at = this.separator === '' ? -1 : topic.indexOf(this.separator);
    if (at < 0) return null;
    // As Java's String.split, which drops trailing empty parts: "A." and "A.." have no source, and
    // ".orders" has an empty one.
    const rest = topic.slice(at + this.separator.length);
    return rest.split(this.separator).every((p) => p === '') ? null : topic.slice(0, at);
  }

  upstreamTopic(topic: string): string | null {
    const source = this.topicSource(topic);
    return source === null ? null : topic.slice(source.length + this.separator.length);
  }

  private internalSuffix(): string {
    return `${this.internalSeparator}internal`;
  }

  offsetSyncsTopic(clusterAlias: string): string {
    return `mm2-offset-syncs${this.internalSeparator}${clusterAlias}${this.internalSuffix()}`;
  }

  checkpointsTopic(clusterAlias: string): string {
    return `${clusterAlias}${this.internalSeparator}checkpoints${this.internalSuffix()}`;
  }

  isCheckpointsTopic(topic: string): boolean {
    return topic.endsWith(`${this.internalSeparator}checkpoints${this.internalSuffix()}`);
  }

  isMM2InternalTopic(topic: string): boolean {
    return topic.endsWith(this.internalSuffix());
  }
}

class IdentityPolicy extends DefaultPolicy {
  override readonly name = IDENTITY_POLICY;
  private readonly sourceAlias: string | null;

  constructor(options: PolicyOptions) {
    super(options);
    this.sourceAlias = options.sourceClusterAlias ?? null;
  }

  private looksLikeHeartbeat(topic: string): boolean {
    return topic.endsWith(HEARTBEATS_TOPIC);
  }

  override formatRemoteTopic(sourceAlias: string, topic: string): string {
    return this.looksLikeHeartbeat(topic) ? super.formatRemoteTopic(sourceAlias, topic) : topic;
  }

  override topicSource(topic: string): string | null {
    return this.looksLikeHeartbeat(topic) ? super.topicSource(topic) : this.sourceAlias;
  }

  override upstreamTopic(topic: string): string | null {
    return this.looksLikeHeartbeat(topic) ? super.upstreamTopic(topic) : topic;
  }
}

/** The policy named by `replication.policy.class` (the class name, or its simple name); null if unknown. */
export function replicationPolicy(className: string, options: PolicyOptions = {}): ReplicationPolicy | null {
  const simple = className.trim().split('.').pop();
  if (simple === 'DefaultReplicationPolicy') return new DefaultPolicy(options);
  if (simple === 'IdentityReplicationPolicy') return new IdentityPolicy(options);
  return null;
}

/** The topic's name where it was first written, through any number of hops. */
export function originalTopic(policy: ReplicationPolicy, topic: string): string {
  let current = topic;
  for (let hops = 0; hops < 100; hops++) {
    const upstream = policy.upstreamTopic(current);
    if (upstream === null || upstream === current) return current;
    current = upstream;
  }
  return current;
}

export function isHeartbeatsTopic(policy: ReplicationPolicy, topic: string): boolean {
  return originalTopic(policy, topic) === HEARTBEATS_TOPIC;
}

/** Kafka's own, Connect's and MirrorMaker's internal topics: never replicated. */
export function isInternalTopic(policy: ReplicationPolicy, topic: string): boolean {
  return (
    policy.isMM2InternalTopic(topic) ||
    topic.startsWith('__') ||
    topic.startsWith('.') ||
    topic.endsWith('-internal') ||
    topic.endsWith('.internal')
  );
}

/** True when the topic already came from `targetAlias`, directly or through other clusters. */
export function isCycle(policy: ReplicationPolicy, topic: string, targetAlias: string): boolean {
  let current = topic;
  for (let hops = 0; hops < 100; hops++) {
    const source = policy.topicSource(current);
    if (source === null) return false;
    if (source === targetAlias) return true;
    const upstream = policy.upstreamTopic(current);
    if (upstream === null || upstream === current) return false;
    current = upstream;
  }
  return false;
}
