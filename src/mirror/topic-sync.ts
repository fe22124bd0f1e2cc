// What MirrorMaker's MirrorSourceConnector does around the records: find the source topics to
// replicate, create their remote topics on the target (the source's partition count, its configs),
// add partitions when the source grows, and keep topic configs and ACLs in step.
//
// A source topic is replicated when the topic filter accepts it (or it is a heartbeats topic and
// heartbeats.replication.enabled), it is not internal, and it does not come from the target already
// (a cycle). Configs copied: those not read-only, not sensitive, not from the broker's static config
// and not excluded by config.properties.exclude; at creation only the non-default ones, at each sync
// every one, a default one becoming a DELETE on the target (use.defaults.from = target) or a SET
// (= source). ACLs: literal topic ACLs, except ALLOW WRITE (only the mirror writes remote topics), with
// ALLOW ALL downgraded to ALLOW READ.
import type { AclBinding, Admin, AlterConfigOp, ConfigEntry, KafkaError } from '../client/index.js';
import type { FlowConfig } from './config.js';
import { describeError, type MirrorLogger } from './logger.js';
import { isCycle, isHeartbeatsTopic, isInternalTopic } from './policy.js';
import type { ReplicatedPartition } from './replicator.js';
import { createTopics } from './topics-admin.js';

export class TopicSync {
  /** Source topics replicated and their partition counts. */
  private sourceTopics = new Map<string, number>();
  /** Remote topics on the target (of this source) and their partition counts. */
  private targetTopics = new Map<string, number>();
  private aclsUnsupportedLogged = false;

  constructor(
    private readonly flow: FlowConfig,
    private readonly sourceAdmin: Admin,
    private readonly targetAdmin: Admin,
    private readonly log: MirrorLogger,
  ) {}

  shouldReplicate(topic: string): boolean {
    const { policy, topicFilter, heartbeatsReplication, target } = this.flow;
    return (
      (topicFilter.matches(topic) || (heartbeatsReplication && isHeartbeatsTopic(policy, topic))) &&
      !isInternalTopic(policy, topic) &&
      !isCycle(policy, topic, target)
    );
  }

  remoteTopic(topic: string): string {
    return this.flow.policy.formatRemoteTopic(this.flow.source, topic);
  }

  private async partitionCounts(admin: Admin, topics: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (topics.length === 0) return out;
    for (const d of await admin.describeTopics(topics)) out.set(d.name, d.partitions.length);
    return out;
  }

  private async load(): Promise<void> {
    const source = (await this.sourceAdmin.listTopics()).filter((t) => this.shouldReplicate(t));
    this.sourceTopics = await this.partitionCounts(this.sourceAdmin, source);
    const { policy, checkpointsTopic } = this.flow;
    const remote = (await this.targetAdmin.listTopics()).filter(
      (t) => policy.topicSource(t) === this.flow.source && t !== checkpointsTopic,
    );
    this.targetTopics = await this.partitionCounts(this.targetAdmin, remote);
  }

  /**
   * Finds the source topics, creates what is missing on the target, and returns the partitions that
   * can be copied now (those whose remote partition exists).
   */
  async refresh(): Promise<ReplicatedPartition[]> {
    await this.load();
    const missing: string[] = [];
    const grow: Record<string, number> = {};
    for (const [topic, count] of this.sourceTopics) {
      const remote = this.remoteTopic(topic);
      const have = this.targetTopics.get(remote);
      if (have === undefined) missing.push(topic);
      else if (have < count) grow[remote] = count;
    }
    if (missing.length > 0) await this.createRemoteTopics(missing);
    if (Object.keys(grow).length > 0) await this.growRemoteTopics(grow);
    if (missing.length > 0 || Object.keys(grow).length > 0) {
      const remotes = [...this.sourceTopics.keys()].map((t) => this.remoteTopic(t));
      const found = await this.targetAdmin.listTopics();
      const present = remotes.filter((r) => found.includes(r));
      for (const [t, c] of await this.partitionCounts(this.targetAdmin, present)) this.targetTopics.set(t, c);
    }
    const out: ReplicatedPartition[] = [];
    for (const [topic, count] of [...this.sourceTopics].sort()) {
      const remote = this.remoteTopic(topic);
      const have = Math.min(count, this.targetTopics.get(remote) ?? 0);
      for (let partition = 0; partition < have; partition++)
        out.push({ topic, partition, remoteTopic: remote });
    }
    return out;
  }

  private configEntries(entries: readonly ConfigEntry[], incremental: boolean): ConfigEntry[] {
    const fromSource = this.flow.useDefaultsFrom === 'source';
    return entries.filter(
      (e) =>
        (incremental || !e.isDefault || fromSource) &&
        !e.readOnly &&
        !e.isSensitive &&
        e.source !== 'static-broker' &&
        !this.flow.configPropertyFilter.matches(e.name),
    );
  }

  private async sourceConfigs(topics: readonly string[]): Promise<Map<string, ConfigEntry[]>> {
    const described = await this.sourceAdmin.describeConfigs(
      topics.map((name) => ({ type: 'topic' as const, name })),
    );
    return new Map(described.map((d) => [d.name, d.configs]));
  }

  private async createRemoteTopics(topics: string[]): Promise<void> {
    const configs = await this.sourceConfigs(topics);
    const specs = topics.map((t) => ({
      name: this.remoteTopic(t),
      partitions: this.sourceTopics.get(t) ?? 1,
      replicationFactor: this.flow.replicationFactor,
      configs: Object.fromEntries(
        this.configEntries(configs.get(t) ?? [], false)
          .filter((e) => e.value !== null)
          .map((e) => [e.name, e.value as string]),
      ),
    }));
    const result = await createTopics(this.targetAdmin, specs, this.log, this.flow.target);
    for (const [name, err] of result)
      if (err) this.log.warn(`Could not create topic ${name}: ${err.message}`);
  }

  private async growRemoteTopics(totals: Record<string, number>): Promise<void> {
    for (const [topic, count] of Object.entries(totals)) {
      try {
        await this.targetAdmin.createPartitions({ [topic]: count });
        this.log.info(`Increased size of ${topic} to ${count} partitions.`);
      } catch (err) {
        // Someone (another mirror) got there first: normal.
        if ((err as KafkaError).code !== 'INVALID_PARTITIONS')
          this.log.warn(`Could not create topic-partitions for ${topic}: ${describeError(err)}`);
      }
    }
  }

  /** Topics replicated whose remote topic exists. */
  private replicatedTopics(): string[] {
    return [...this.sourceTopics.keys()].filter((t) => this.targetTopics.has(this.remoteTopic(t)));
  }

  /** Sets every copied config of each replicated topic on its remote topic (defaults as deletions). */
  async syncConfigs(): Promise<void> {
    const topics = this.replicatedTopics();
    if (topics.length === 0) return;
    const configs = await this.sourceConfigs(topics);
    const changes = topics.map((t) => ({
      type: 'topic' as const,
      name: this.remoteTopic(t),
      ops: this.configEntries(configs.get(t) ?? [], true).map(
        (e): AlterConfigOp =>
          e.isDefault && this.flow.useDefaultsFrom === 'target'
            ? { op: 'delete', name: e.name }
            : { op: 'set', name: e.name, value: e.value ?? '' },
      ),
    }));
    try {
      await this.targetAdmin.incrementalAlterConfigs(changes.filter((c) => c.ops.length > 0));
    } catch (err) {
      this.log.warn(`Could not alter configuration of remote topics: ${describeError(err)}`);
    }
  }

  /** Copies the source's literal topic ACLs (see the file comment); skipped without an authorizer. */
  async syncAcls(): Promise<void> {
    let bindings: AclBinding[];
    try {
      bindings = await this.sourceAdmin.describeAcls({ resourceType: 'TOPIC', patternType: 'LITERAL' });
    } catch (err) {
      const code = (err as KafkaError).code;
      if (code !== 'SECURITY_DISABLED' && code !== 'UNSUPPORTED_VERSION') throw err;
      if (!this.aclsUnsupportedLogged) {
        this.log.info(
          "No ACL authorizer is configured on the source Kafka cluster, so no topic ACL syncing will take place. Consider disabling topic ACL syncing by setting sync.topic.acls.enabled to 'false'.",
        );
        this.aclsUnsupportedLogged = true;
      }
      return;
    }
    const copied = bindings
      .filter((b) => !(b.permission === 'ALLOW' && b.operation === 'WRITE'))
      .filter((b) => this.shouldReplicate(b.resourceName))
      .map(
        (b): AclBinding => ({
          ...b,
          resourceName: this.remoteTopic(b.resourceName),
          operation: b.permission === 'ALLOW' && b.operation === 'ALL' ? 'READ' : b.operation,
        }),
      );
    if (copied.length === 0) return;
    try {
      await this.targetAdmin.createAcls(copied);
    } catch (err) {
      this.log.warn(`Could not sync topic ACLs: ${describeError(err)}`);
    }
  }

  /** Source topic → partition count, for status. */
  get topics(): ReadonlyMap<string, number> {
    return this.sourceTopics;
  }
}
