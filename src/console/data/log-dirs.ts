// Log dirs, broker by broker: one broker that cannot be reached (killed, not yet fenced) costs only its
// own rows and a short wait (BROKER_RETRY_MS), not the whole answer.
import type { Admin, LogDirDescription } from '../../client/admin.js';
import { BROKER_RETRY_MS } from '../context.js';
import { errorText } from './errors.js';
import { key } from './offsets.js';

export interface LogDirs {
  dirs: LogDirDescription[];
  /** The brokers that did not answer, each with why. */
  failed: { broker: number; error: string }[];
}

/** Log dirs of the given brokers, or of every broker in the metadata. */
export async function logDirsOf(admin: Admin, brokerIds?: readonly number[]): Promise<LogDirs> {
  const ids = brokerIds ?? (await admin.describeCluster()).brokers.map((b) => b.nodeId);
  const results = await Promise.all(
    ids.map((broker) =>
      admin.describeLogDirs([broker], { timeoutMs: BROKER_RETRY_MS }).then(
        (dirs) => ({ broker, dirs, error: null }),
        (e) => ({ broker, dirs: [] as LogDirDescription[], error: errorText(e) }),
      ),
    ),
  );
  return {
    dirs: results.flatMap((r) => r.dirs),
    failed: results.flatMap((r) => (r.error === null ? [] : [{ broker: r.broker, error: r.error }])),
  };
}

/**
 * Partition sizes summed over the replicas of the brokers that answered (a broker that did not
 * answer adds nothing); null when none did.
 */
export async function partitionSizes(admin: Admin): Promise<Map<string, number> | null> {
  let found: LogDirs;
  try {
    found = await logDirsOf(admin);
  } catch {
    return null;
  }
  if (found.dirs.length === 0 && found.failed.length > 0) return null;
  const out = new Map<string, number>();
  for (const d of found.dirs)
    for (const p of d.partitions) {
      const k = key(p.topic, p.partition);
      out.set(k, (out.get(k) ?? 0) + p.sizeBytes);
    }
  return out;
}
