// Earliest and latest offsets of many partitions at once. Partitions without a leader are left out
// (-1), so one offline partition cannot hold a page up until the call times out.
import type { Admin, TopicDescription } from '../../client/admin.js';
import { CALL_TIMEOUT_MS } from '../context.js';

export interface Watermarks {
  earliest: number;
  latest: number;
}

export const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export async function watermarks(
  admin: Admin,
  topics: readonly TopicDescription[],
): Promise<Map<string, Watermarks>> {
  const tps = topics.flatMap((t) =>
    t.partitions.filter((p) => p.leader >= 0).map((p) => ({ topic: t.name, partition: p.partition })),
  );
  const out = new Map<string, Watermarks>();
  if (tps.length === 0) return out;
  const options = { timeoutMs: CALL_TIMEOUT_MS };
  // A partition that moved or vanished mid-call fails the whole lookup: show unknowns rather than no page.
  const [earliest, latest] = await Promise.all([
    admin.listOffsets(
      tps.map((tp) => ({ ...tp, at: 'earliest' as const })),
      options,
    ).catch(() => []),
    admin.listOffsets(
      tps.map((tp) => ({ ...tp, at: 'latest' as const })),
      options,
    ).catch(() => []),
  ]);
  tps.forEach((tp, i) => {
    out.set(key(tp.topic, tp.partition), {
      earliest: earliest[i]?.offset ?? -1,
      latest: latest[i]?.offset ?? -1,
    });
  });
  return out;
}

/** Latest offsets only (what lag needs). */
export async function latestOffsets(
  admin: Admin,
  tps: readonly { topic: string; partition: number }[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (tps.length === 0) return out;
  const found = await admin
    .listOffsets(
      tps.map((tp) => ({ ...tp, at: 'latest' as const })),
      { timeoutMs: CALL_TIMEOUT_MS },
    )
    .catch(() => []);
  tps.forEach((tp, i) => {
    out.set(key(tp.topic, tp.partition), found[i]?.offset ?? -1);
  });
  return out;
}
