// What a configuration promises, in words a person can check against Kafka's documentation, and which
// of the checker's findings are violations under it. The lab's faults kill, pause, restart, partition,
// slow down and fill the disks of processes; they never cut the power, so the page cache survives
// every one of them and a record written to a file is never lost by a fault of this lab.
import type { RunConfig } from './history.js';

export const VIOLATION_KINDS = [
  'lost',
  'duplicated',
  'unexpected',
  'reordered',
  'inconsistent-offset',
  'vanished-read',
  'commit-backwards',
  'skipped',
] as const;
export type ViolationKind = (typeof VIOLATION_KINDS)[number];

export interface Guarantees {
  /** One sentence per promise, for the report. */
  statements: string[];
  checks: Record<ViolationKind, 'checked' | 'allowed'>;
}

export function guaranteesFor(c: RunConfig): Guarantees {
  const checks = Object.fromEntries(VIOLATION_KINDS.map((k) => [k, 'checked'])) as Guarantees['checks'];
  const statements: string[] = [];
  const acks = c.acks === -1 ? 'all' : String(c.acks);
  const fsync = c.fsyncEachWrite ? 'with an fsync on every write' : 'without fsync (Kafka’s default)';
  if (c.acks === 0) {
    checks.lost = 'allowed';
    checks['inconsistent-offset'] = 'allowed';
    statements.push('acks=0: the producer learns nothing, so losses are allowed; offsets are not reported.');
  } else if (c.replicationFactor <= 1) {
    statements.push(
      `acks=${acks} on one replica ${fsync}: a SIGKILL, SIGSTOP, restart, network fault or full disk loses nothing acknowledged, because a killed process leaves its writes in the page cache; a power loss could lose the unsynced tail (not simulated here).`,
    );
  } else if (c.acks === 1) {
    checks.lost = 'allowed';
    checks['vanished-read'] = 'allowed';
    statements.push(
      `acks=1 with ${c.replicationFactor} replicas: the leader acknowledges alone, so a leader change may lose acknowledged records (not a violation); order, offsets and duplicates are still checked.`,
    );
  } else {
    statements.push(
      `acks=all with min.insync.replicas=${c.minInsyncReplicas} on ${c.replicationFactor} replicas ${fsync}: nothing acknowledged is lost while a majority of the ISR survives. The lab's faults never destroy a disk, so every acknowledged record must survive every fault schedule.`,
    );
    if (c.minInsyncReplicas < 2)
      statements.push(
        'min.insync.replicas=1: an acks=all write may be acknowledged by the leader alone, so a leader change may lose it; losses are still reported as violations here, as Kafka with unclean leader election off would not lose them on a process kill.',
      );
  }
  if (c.idempotence) {
    statements.push(
      'Idempotent producers: each value is stored once, at the offset it was acknowledged with, in the order its producer session sent it.',
    );
  } else {
    checks.duplicated = 'allowed';
    statements.push('Producers without idempotence: retries may store a value twice (allowed, counted).');
  }
  statements.push(
    'Reads: a consumer sees only records below the high watermark, so a record once read stays at its offset (no vanished reads); a value read was sent to that partition and not refused before sending.',
  );
  if (c.workload === 'queue' || c.workload === 'groups') {
    statements.push(
      'Groups: an acknowledged commit is never undone (committed offsets only move forward), and members commit only what they read, so no stored record below a committed offset went unread.',
    );
  }
  if (c.unsafe) {
    statements.push(
      `The brokers ran with SAMSA_CHAOS_UNSAFE=${c.unsafe}, a deliberately broken setting: violations are expected, and finding them shows the lab works.`,
    );
  }
  return { statements, checks };
}
