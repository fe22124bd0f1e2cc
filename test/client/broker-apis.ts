// Which APIs a broker serves, so a client test of a feature the broker has not got yet is skipped
// with a message naming what is missing (instead of failing or passing silently).
import type { TestContext } from 'node:test';
import { Admin } from '../../src/client/admin.js';
import { API } from '../../src/client/versions.js';

const NAMES = new Map<number, string>(Object.entries(API).map(([name, key]) => [key, name]));

export async function brokerApis(bootstrap: string): Promise<Set<number>> {
  const admin = new Admin({ bootstrapServers: bootstrap });
  try {
    const conn = await admin.cluster.anyConnection();
    return new Set(conn.brokerVersions.keys());
  } finally {
    await admin.close();
  }
}

/** Skips the test (returning true) when the broker lacks one of `apis`. */
export function skipWithout(t: TestContext, have: Set<number>, apis: readonly number[]): boolean {
  const missing = apis.filter((a) => !have.has(a)).map((a) => NAMES.get(a) ?? String(a));
  if (missing.length === 0) return false;
  t.skip(`the broker does not serve ${missing.join(', ')} yet`);
  return true;
}

export const PRODUCE = [API.Produce];
export const CONSUME = [API.Produce, API.Fetch, API.ListOffsets];
export const GROUPS = [
  ...CONSUME,
  API.FindCoordinator,
  API.JoinGroup,
  API.SyncGroup,
  API.Heartbeat,
  API.LeaveGroup,
  API.OffsetCommit,
  API.OffsetFetch,
];
