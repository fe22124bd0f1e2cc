// DescribeLogDirs, versions 0-4: every log dir of this broker (log.dirs) with the size of each
// partition in it (or of the ones asked for); a replica being moved to another dir shows there too,
// as a future replica whose offset lag is how far it is behind the current one. From v4 each dir's
// disk gives its total and usable bytes.
import { ErrorCode } from '../../protocol/errors.js';
import type { DescribeLogDirsRequest, DescribeLogDirsResponse } from '../../protocol/messages/index.js';
import { AclOperation, allowedOnCluster } from './authorize.js';
import { handler } from './handler.js';

interface PartitionEntry {
  partitionIndex: number;
  partitionSize: number;
  offsetLag: number;
  isFutureKey: boolean;
}

export const describeLogDirs = handler<DescribeLogDirsRequest, DescribeLogDirsResponse>({
  apiKey: 35,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, req) {
    if (!allowedOnCluster(ctx, AclOperation.DESCRIBE))
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, results: [] };
    const wanted =
      req.topics === null ? null : new Map(req.topics.map((t) => [t.topic, new Set(t.partitions)]));
    const replicas = ctx.services.replicas;
    const byDir = new Map<string, Map<string, PartitionEntry[]>>();
    const add = (dir: string, topic: string, entry: PartitionEntry) => {
      const topics = byDir.get(dir) ?? new Map<string, PartitionEntry[]>();
      const list = topics.get(topic) ?? [];
      list.push(entry);
      topics.set(topic, list);
      byDir.set(dir, topics);
    };
    for (const p of replicas.partitions()) {
      if (wanted && !wanted.get(p.topic)?.has(p.index)) continue;
      const dir = replicas.logs.dirOf({ topic: p.topic, partition: p.index });
      if (!dir) continue;
      add(dir.path, p.topic, {
        partitionIndex: p.index,
        partitionSize: p.log.sizeBytes,
        offsetLag: Math.max(0, p.log.highWatermark - p.log.logEndOffset),
        isFutureKey: false,
      });
      const future = replicas.mover.futureOf(p);
      if (future)
        add(future.path, p.topic, {
          partitionIndex: p.index,
          partitionSize: future.log.sizeBytes,
          offsetLag: Math.max(0, p.log.logEndOffset - future.log.logEndOffset),
          isFutureKey: true,
        });
    }
    const results = [];
    for (const d of replicas.logs.dirs) {
      const space = await ctx.services.diskSpace(d.path);
      results.push({
        errorCode: ErrorCode.NONE,
        logDir: d.path,
        topics: [...(byDir.get(d.path) ?? [])].map(([name, partitions]) => ({ name, partitions })),
        totalBytes: space.totalBytes,
        usableBytes: space.usableBytes,
      });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, results };
  },
});
