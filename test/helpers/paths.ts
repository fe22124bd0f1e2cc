import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the test');
    dir = up;
  }
  return dir;
}

/** The project's root folder (where package.json is). */
export const repoRoot = findRoot();

/** ../shared/kafka-protocol, which a user's fresh clone does not have. */
export const oracleDir = join(repoRoot, '..', 'shared', 'kafka-protocol');

/**
 * The node flags a broker process starts with, as bin/kafka-server-start.sh and bin/samsa give them
 * (SAMSA_HEAP_OPTS, default --initial-heap-size=64), for helpers that start `node` themselves.
 */
export function heapOpts(): string[] {
  return (process.env.SAMSA_HEAP_OPTS ?? '--initial-heap-size=64').split(' ').filter(Boolean);
}
