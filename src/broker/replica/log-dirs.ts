// The log dirs of a broker (log.dirs, JBOD): one LogManager each. A new partition goes to the dir
// holding the fewest partitions (Kafka's choice), unless AlterReplicaLogDirs asked for a dir before
// the replica existed; every other operation finds the dir that holds the partition.
import type { CreateLogOptions, LogManager, PartitionLog, TopicPartition } from '../../storage/index.js';

export interface LogDir {
  /** The path as configured (what DescribeLogDirs reports and AlterReplicaLogDirs names). */
  path: string;
  manager: LogManager;
}

const keyOf = (tp: TopicPartition) => `${tp.topic}-${tp.partition}`;

export class LogDirs {
  /** Dirs asked for replicas that did not exist yet (AlterReplicaLogDirs), used when they are created. */
  private readonly preferred = new Map<string, string>();
  /** Logs being created now, per dir. */
  private readonly creating = new Map<LogDir, number>();

  constructor(readonly dirs: readonly LogDir[]) {
    if (dirs.length === 0) throw new RangeError('at least one log dir');
  }

  /** One dir (tests and single-dir brokers). */
  static single(manager: LogManager, path = '/data'): LogDirs {
    return new LogDirs([{ path, manager }]);
  }

  get(tp: TopicPartition): PartitionLog | undefined {
    for (const d of this.dirs) {
      const log = d.manager.getLog(tp);
      if (log) return log;
    }
    return undefined;
  }

  /** The dir holding the partition's log. */
  dirOf(tp: TopicPartition): LogDir | undefined {
    return this.dirs.find((d) => d.manager.getLog(tp) !== undefined);
  }

  byPath(path: string): LogDir | undefined {
    return this.dirs.find((d) => d.path === path);
  }

  /** Remembers where a replica that does not exist here yet should be created. */
  prefer(tp: TopicPartition, path: string): void {
    this.preferred.set(keyOf(tp), path);
  }

  /** Opens the partition's log, creating it in the preferred dir or the least used one. */
  async create(tp: TopicPartition, options: CreateLogOptions): Promise<PartitionLog> {
    const existing = this.get(tp);
    if (existing) return existing;
    const wanted = this.preferred.get(keyOf(tp));
    this.preferred.delete(keyOf(tp));
    const dir = (wanted && this.byPath(wanted)) || this.leastUsed();
    // Counted while it is being made, so logs created at the same time spread over the dirs.
    this.creating.set(dir, (this.creating.get(dir) ?? 0) + 1);
    try {
      return await dir.manager.createLog(tp, options);
    } finally {
      this.creating.set(dir, (this.creating.get(dir) ?? 1) - 1);
    }
  }

  private leastUsed(): LogDir {
    const used = (d: LogDir) => d.manager.logs.length + (this.creating.get(d) ?? 0);
    let best = this.dirs[0];
    for (const d of this.dirs) if (used(d) < used(best)) best = d;
    return best;
  }

  async delete(tp: TopicPartition): Promise<boolean> {
    const dir = this.dirOf(tp);
    return dir ? dir.manager.deleteLog(tp) : false;
  }

  updateTopicConfig(topic: string, overrides: Parameters<LogManager['updateTopicConfig']>[1]): void {
    for (const d of this.dirs) d.manager.updateTopicConfig(topic, overrides);
  }

  async close(): Promise<void> {
    for (const d of this.dirs) await d.manager.close();
  }
}
