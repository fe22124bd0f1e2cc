// Samples what the cluster cannot tell after the fact: records per second of every topic (from the
// growth of its end offsets) and the total lag of every consumer group over time (for the group
// page's chart). One pass every refresh interval, never two at once; history is bounded. The topic
// list is served from the last pass (a cluster of 10,000 partitions takes a few hundred ms to read),
// and topics are read only while someone looks at them.
import type { TopicDescription } from '../../client/admin.js';
import { BROKER_RETRY_MS, type ConsoleContext } from '../context.js';
import { partitionSizes } from './log-dirs.js';
import { key, latestOffsets, type Watermarks, watermarks } from './offsets.js';

/** Points of lag history kept per group (an hour at the default 5 s). */
export const LAG_HISTORY_POINTS = 720;
/** Groups sampled per pass; the rest get no history. */
export const SAMPLED_GROUPS_MAX = 200;
const PARALLEL_GROUPS = 8;

/** The topics as one pass saw them; the topic list is served from the latest one. */
export interface TopicSnapshot {
  atMs: number;
  topics: TopicDescription[];
  marks: Map<string, Watermarks>;
  /** Bytes per partition over every replica; null when DescribeLogDirs failed. */
  sizes: Map<string, number> | null;
}

/** Topics are sampled while someone looked at them within this time. */
const TOPICS_WANTED_MS = 120_000;

export class Sampler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private snapshot: TopicSnapshot | null = null;
  private sampling: Promise<TopicSnapshot> | null = null;
  private stale = false;
  private topicsWantedUntilMs = 0;
  private readonly rates = new Map<string, number>();
  private readonly history = new Map<string, [number, number][]>();
  private stopped = false;

  constructor(private readonly ctx: ConsoleContext) {}

  start(): void {
    const loop = () => {
      if (this.stopped) return;
      this.running = this.sample().finally(() => {
        this.running = null;
        if (!this.stopped) this.timer = setTimeout(loop, this.ctx.options.refreshMs);
      });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /**
   * The topics as of the last pass when it is recent (and nothing changed them from this console
   * since), else a pass made now. Asking keeps topics sampled for the next minutes.
   */
  topics(): Promise<TopicSnapshot> {
    this.topicsWantedUntilMs = Date.now() + TOPICS_WANTED_MS;
    const s = this.snapshot;
    if (s && !this.stale && Date.now() - s.atMs < 2 * this.ctx.options.refreshMs) return Promise.resolve(s);
    return this.sampleTopics();
  }

  /** A topic was created, deleted or grew here: the next list is read fresh. */
  invalidate(): void {
    this.stale = true;
  }

  /** Records per second written to the topic over the last interval; null before two samples. */
  rate(topic: string): number | null {
    return this.rates.get(topic) ?? null;
  }

  groupHistory(groupId: string): [number, number][] {
    return this.history.get(groupId) ?? [];
  }

  /** Adds a point measured outside a pass (a page computed the lag just now). */
  addLagPoint(groupId: string, lag: number, atMs = Date.now()): void {
    const points = this.history.get(groupId) ?? [];
    const last = points[points.length - 1];
    // Two pages open at once must not double the resolution of the chart.
    if (last && atMs - last[0] < this.ctx.options.refreshMs / 2) return;
    points.push([atMs, lag]);
    if (points.length > LAG_HISTORY_POINTS) points.splice(0, points.length - LAG_HISTORY_POINTS);
    this.history.set(groupId, points);
  }

  private async sample(): Promise<void> {
    try {
      if (Date.now() < this.topicsWantedUntilMs) await this.sampleTopics();
      await this.sampleGroups();
    } catch {
      // The cluster is unreachable for now: the next pass tries again.
    }
  }

  private sampleTopics(): Promise<TopicSnapshot> {
    if (!this.sampling) {
      this.stale = false;
      this.sampling = this.readTopics().finally(() => {
        this.sampling = null;
      });
    }
    return this.sampling;
  }

  private async readTopics(): Promise<TopicSnapshot> {
    const admin = this.ctx.admin;
    const topics = await admin.describeAllTopics({ includeInternal: true });
    const [marks, sizes] = await Promise.all([watermarks(admin, topics), partitionSizes(admin)]);
    const snapshot: TopicSnapshot = { atMs: Date.now(), topics, marks, sizes };
    const prev = this.snapshot;
    if (prev && snapshot.atMs > prev.atMs) {
      const before = endsByTopic(prev);
      this.rates.clear();
      for (const [topic, end] of endsByTopic(snapshot)) {
        const was = before.get(topic);
        if (was !== undefined && end >= was) this.rates.set(topic, ((end - was) * 1000) / (snapshot.atMs - prev.atMs));
      }
    }
    this.snapshot = snapshot;
    return snapshot;
  }

  private async sampleGroups(): Promise<void> {
    const admin = this.ctx.admin;
    const answered = await admin.listGroupsAnswered({ timeoutMs: BROKER_RETRY_MS });
    const groups = answered.groups.slice(0, SAMPLED_GROUPS_MAX);
    const live = new Set(groups.map((g) => g.groupId));
    // A broker that did not answer may coordinate groups that still exist: keep their history.
    if (answered.errors.length === 0)
      for (const id of this.history.keys()) if (!live.has(id)) this.history.delete(id);
    const queue = groups.map((g) => g.groupId);
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        try {
          const offsets = (await admin.listGroupOffsets(id)).filter((o) => o.offset >= 0);
          const latest = await latestOffsets(admin, offsets);
          let lag = 0;
          for (const o of offsets) {
            const end = latest.get(key(o.topic, o.partition)) ?? -1;
            if (end >= 0) lag += Math.max(0, end - o.offset);
          }
          this.addLagPoint(id, lag);
        } catch {
          // The group went away or its coordinator moved: no point this time.
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_GROUPS }, worker));
  }
}

function endsByTopic(s: TopicSnapshot): Map<string, number> {
  const ends = new Map<string, number>();
  for (const t of s.topics)
    for (const p of t.partitions) {
      const latest = s.marks.get(key(t.name, p.partition))?.latest ?? -1;
      if (latest >= 0) ends.set(t.name, (ends.get(t.name) ?? 0) + latest);
    }
  return ends;
}
