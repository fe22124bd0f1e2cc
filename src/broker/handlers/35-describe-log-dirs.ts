// DescribeLogDirs, versions 0-4: the log dir, the size of every hosted partition (or the ones asked
// for), and from v4 the disk's total and usable bytes. Offset lag is 0: there are no future replicas.
import { ErrorCode } from '../../protocol/errors.js';
import type { DescribeLogDirsRequest, DescribeLogDirsResponse } from '../../protocol/messages/index.js';
import { AclOperation, allowedOnCluster } from './authorize.js';
import { handler } from './handler.js';

export const describeLogDirs = handler<DescribeLogDirsRequest, DescribeLogDirsResponse>({
  apiKey: 35,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, req) {
    if (!allowedOnCluster(ctx, AclOperation.DESCRIBE))
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, results: [] };
    const wanted =
      req.topics === null ? null : new Map(req.topics.map((t) => [t.topic, new Set(t.partitions)]));
    const byTopic = new Map<
      string,
      { partitionIndex: number; partitionSize: number; offsetLag: number; isFutureKey: boolean }[]
    >();
    for (const p of ctx.services.replicas.partitions()) {
      if (wanted && !wanted.get(p.topic)?.has(p.index)) continue;
      const list = byTopic.get(p.topic) ?? [];
      list.push({
        partitionIndex: p.index,
        partitionSize: p.log.sizeBytes,
        offsetLag: 0,
        isFutureKey: false,
      });
      byTopic.set(p.topic, list);
    }
    const space = await ctx.services.diskSpace();
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      results: [
        {
          errorCode: ErrorCode.NONE,
          logDir: ctx.services.logDir,
          topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
          totalBytes: space.totalBytes,
          usableBytes: space.usableBytes,
        },
      ],
    };
  },
});
