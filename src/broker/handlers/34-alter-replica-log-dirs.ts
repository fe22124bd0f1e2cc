// AlterReplicaLogDirs, versions 1-2 (v0 is gone from Kafka 4.0): moves replicas of this broker to
// another of its log dirs. The move runs in the background (replica/log-dir-mover.ts) and shows in
// DescribeLogDirs as a future replica until it is done. A dir this broker does not have is
// LOG_DIR_NOT_FOUND; a replica not here yet is created in the dir named when it comes.
import { ErrorCode } from '../../protocol/errors.js';
import type {
  AlterReplicaLogDirsRequest,
  AlterReplicaLogDirsResponse,
} from '../../protocol/messages/index.js';
import { AclOperation, allowedOnCluster } from './authorize.js';
import { handler } from './handler.js';

export const alterReplicaLogDirs = handler<AlterReplicaLogDirsRequest, AlterReplicaLogDirsResponse>({
  apiKey: 34,
  minVersion: 1,
  maxVersion: 2,
  handle(ctx, req) {
    // ALTER on the cluster, else every partition answers CLUSTER_AUTHORIZATION_FAILED (as Kafka).
    const allowed = allowedOnCluster(ctx, AclOperation.ALTER);
    const replicas = ctx.services.replicas;
    const byTopic = new Map<string, { partitionIndex: number; errorCode: number }[]>();
    for (const dir of req.dirs) {
      for (const t of dir.topics) {
        const list = byTopic.get(t.name) ?? [];
        for (const index of t.partitions) {
          let errorCode: number = ErrorCode.NONE;
          if (!allowed) errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
          else if (!replicas.logs.byPath(dir.path)) errorCode = ErrorCode.LOG_DIR_NOT_FOUND;
          else {
            const p = replicas.get(t.name, index);
            if (p) errorCode = replicas.mover.request(p, dir.path);
            else replicas.logs.prefer({ topic: t.name, partition: index }, dir.path);
          }
          list.push({ partitionIndex: index, errorCode });
        }
        byTopic.set(t.name, list);
      }
    }
    return {
      throttleTimeMs: 0,
      results: [...byTopic].map(([topicName, partitions]) => ({ topicName, partitions })),
    };
  },
});
