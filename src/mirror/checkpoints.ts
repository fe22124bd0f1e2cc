// What MirrorMaker's MirrorCheckpointConnector does: translate the committed offsets of the source's
// consumer groups into offsets of the remote topics and write them as checkpoints to
// `<source>.checkpoints.internal` on the target; with sync.group.offsets.enabled, also commit them
// for the groups on the target that are not active there, so a group can move over and resume.
//
// - Groups: those on the source accepted by groups / groups.exclude that have offsets for at least
//   one topic the topic filter accepts; found again every refresh.groups.interval.seconds.
// - Translation: by the offset syncs (offset-syncs.ts), read from the syncs topic from its start and
//   then as they come. Checkpoints of a partition only move forward, unless the group itself moved
//   back on the source (a reset), so a translation made from coarser syncs never undoes a better one.
// - The checkpoints already written are read back at start, so a restart neither repeats nor undoes
//   them; if they cannot be read, translation uses only syncs written after the last one found.
// - Group offsets are written on the target only for groups that are Empty there (or do not exist),
//   and only where they move the group forward.
import type { Admin, Producer } from '../client/index.js';
import type { FlowConfig } from './config.js';
import {
  type Checkpoint,
  decodeCheckpoint,
  decodeOffsetSync,
  encodeCheckpoint,
  isFormatError,
} from './formats.js';
import { LogTail, readToEnd } from './log-reader.js';
import { describeError, type MirrorLogger } from './logger.js';
import { CheckpointMetrics } from './metrics.js';
import { OffsetSyncStore } from './offset-syncs.js';
import { originalTopic } from './policy.js';
import { tpKey } from './progress.js';
import { ensureInternalTopic } from './topics-admin.js';

/** States in which a group has members on the target (its offsets belong to them). */
const ACTIVE_STATES = new Set([
  'Stable',
  'PreparingRebalance',
  'CompletingRebalance',
  'Assigning',
  'Reconciling',
]);

export class Checkpointer {
  /** Group → remote topic-partition → the last checkpoint. */
  readonly checkpoints = new Map<string, Map<string, Checkpoint>>();
  readonly metrics = new Map<string, CheckpointMetrics>();
  groups: string[] = [];
  syncStore: OffsetSyncStore | null = null;
  private tail: LogTail | null = null;
  private stopped = false;

  constructor(
    private readonly flow: FlowConfig,
    private readonly sourceAdmin: Admin,
    private readonly targetAdmin: Admin,
    private readonly syncsAdmin: Admin,
    private readonly producer: Producer,
    private readonly log: MirrorLogger,
  ) {}

  async start(): Promise<void> {
    const { flow } = this;
    await ensureInternalTopic(
      this.targetAdmin,
      flow.checkpointsTopic,
      flow.checkpointsTopicReplicationFactor,
      this.log,
      flow.target,
    );
    const checkpointsRead = await this.loadCheckpoints();
    const store = new OffsetSyncStore(checkpointsRead);
    this.syncStore = store;
    const tail = new LogTail(
      flow.clients.offsetSyncsConsumer,
      this.syncsAdmin,
      flow.offsetSyncsTopic,
      (r) => {
        const s = decodeOffsetSync(r.key, r.value);
        if (!isFormatError(s)) store.add(s.topic, s.partition, s.upstreamOffset, s.downstreamOffset);
      },
      this.log,
    );
    this.tail = tail;
    await tail.start();
    tail.caughtUp.then(() => store.markReadToEnd());
    await this.refreshGroups();
  }

  /** Reads the checkpoints already written; false when they could not be read. */
  private async loadCheckpoints(): Promise<boolean> {
    try {
      await readToEnd(
        this.flow.clients.targetConsumer,
        this.targetAdmin,
        this.flow.checkpointsTopic,
        (r) => {
          const c = decodeCheckpoint(r.key, r.value);
          if (!isFormatError(c)) this.remember(c);
        },
        this.log,
        this.flow.adminTimeoutMs,
      );
      return true;
    } catch (err) {
      this.log.warn(`could not read ${this.flow.checkpointsTopic}: ${describeError(err)}`);
      return false;
    }
  }

  private remember(c: Checkpoint): void {
    let m = this.checkpoints.get(c.group);
    if (!m) {
      m = new Map();
      this.checkpoints.set(c.group, m);
    }
    m.set(tpKey(c.topic, c.partition), c);
  }

  /** The source's consumer groups with offsets for replicated topics. */
  async refreshGroups(): Promise<void> {
    const listed = await this.sourceAdmin.listGroups();
    const candidates = listed
      .filter((g) => g.protocolType === 'consumer' || g.protocolType === '')
      .map((g) => g.groupId)
      .filter((g) => this.flow.groupFilter.matches(g));
    const groups: string[] = [];
    for (const g of candidates) {
      try {
        const offsets = await this.sourceAdmin.listGroupOffsets(g);
        if (offsets.some((o) => this.flow.topicFilter.matches(o.topic))) groups.push(g);
      } catch (err) {
        this.log.warn(
          `could not list the offsets of group ${g} on ${this.flow.source}: ${describeError(err)}`,
        );
      }
    }
    const added = groups.filter((g) => !this.groups.includes(g));
    if (added.length > 0 || groups.length !== this.groups.length)
      this.log.info(
        `Found ${groups.length} consumer groups for ${this.flow.source}->${this.flow.target}. ${added.length} are new.`,
      );
    this.groups = groups.sort();
  }

  /** The target topic of a source topic: renamed, or back to its original name if it came from the target. */
  private renamed(topic: string): string {
    const { policy, source, target } = this.flow;
    return policy.topicSource(topic) === target
      ? originalTopic(policy, topic)
      : policy.formatRemoteTopic(source, topic);
  }

  private isNewer(c: Checkpoint): boolean {
    const last = this.checkpoints.get(c.group)?.get(tpKey(c.topic, c.partition));
    if (!last) return true;
    // A group that moved back upstream moves back downstream; otherwise only forward.
    return c.upstreamOffset < last.upstreamOffset || c.downstreamOffset > last.downstreamOffset;
  }

  private async checkpointsFor(group: string): Promise<Checkpoint[]> {
    const store = this.syncStore;
    if (!store?.ready) return [];
    const offsets = await this.sourceAdmin.listGroupOffsets(group);
    const out: Checkpoint[] = [];
    for (const o of offsets) {
      if (o.offset < 0 || !this.flow.topicFilter.matches(o.topic)) continue;
      const t = store.translate(o.topic, o.partition, o.offset);
      if (t.kind !== 'translated') continue;
      const c: Checkpoint = {
        group,
        topic: this.renamed(o.topic),
        partition: o.partition,
        upstreamOffset: o.offset,
        downstreamOffset: t.downstreamOffset,
        metadata: o.metadata ?? '',
      };
      if (this.isNewer(c)) out.push(c);
    }
    return out;
  }

  /** Writes a checkpoint for every group partition whose translation moved. */
  async emit(): Promise<number> {
    let written = 0;
    for (const group of this.groups) {
      if (this.stopped) break;
      let list: Checkpoint[];
      try {
        list = await this.checkpointsFor(group);
      } catch (err) {
        this.log.warn(
          `Error querying offsets for consumer group ${group} on cluster ${this.flow.source}: ${describeError(err)}`,
        );
        continue;
      }
      const timestamp = Date.now();
      await Promise.all(
        list.map(async (c) => {
          const { key, value } = encodeCheckpoint(c);
          await this.producer.send({
            topic: this.flow.checkpointsTopic,
            partition: 0,
            key,
            value,
            timestamp,
          });
          this.remember(c);
          const mk = `${group}\u0000${tpKey(c.topic, c.partition)}`;
          let m = this.metrics.get(mk);
          if (!m) {
            m = new CheckpointMetrics(group, c.topic, c.partition);
            this.metrics.set(mk, m);
          }
          const now = Date.now();
          m.latency.record(now - timestamp, now);
          written++;
        }),
      );
    }
    return written;
  }

  /** Commits the checkpointed offsets for groups that are not active on the target. */
  async syncGroupOffsets(): Promise<void> {
    const groups = [...this.checkpoints.keys()].filter((g) => this.groups.includes(g));
    if (groups.length === 0) return;
    const described = await this.targetAdmin.describeGroups(groups);
    for (const d of described) {
      if (this.stopped) return;
      if (ACTIVE_STATES.has(d.state)) continue;
      const checkpoints = this.checkpoints.get(d.groupId);
      if (!checkpoints) continue;
      try {
        const current = new Map<string, number>();
        if (d.state !== 'Dead') {
          for (const o of await this.targetAdmin.listGroupOffsets(d.groupId))
            current.set(tpKey(o.topic, o.partition), o.offset);
        }
        const moves = [...checkpoints.values()]
          .filter((c) => (current.get(tpKey(c.topic, c.partition)) ?? -1) < c.downstreamOffset)
          .map((c) => ({
            topic: c.topic,
            partition: c.partition,
            offset: c.downstreamOffset,
            metadata: c.metadata,
          }));
        if (moves.length > 0) await this.targetAdmin.alterGroupOffsets(d.groupId, moves);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'UNKNOWN_MEMBER_ID' || code === 'ILLEGAL_GENERATION')
          this.log.warn(
            `Unable to sync offsets for consumer group ${d.groupId}. This is likely caused by consumers currently using this group in the target cluster.`,
          );
        else this.log.warn(`Unable to sync offsets for consumer group ${d.groupId}: ${describeError(err)}`);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.tail?.stop();
  }
}
