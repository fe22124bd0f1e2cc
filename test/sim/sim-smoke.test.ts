import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyDriverStats, runDriverSeed } from './driver-run.js';
import { runSeed } from './run.js';

// A short run of the simulator inside `npm test`; `npm run sim` runs the long one.

test('simulator: 300 seeds of 1000 ticks with faults keep every invariant and recover', () => {
  const failures: string[] = [];
  for (let seed = 1; seed <= 300; seed++) {
    const r = runSeed(seed, 1000);
    if (r.violation) failures.push(`seed ${seed}: ${r.violation.message}`);
  }
  assert.deepEqual(failures, []);
});

test('simulator: a seed replays exactly', () => {
  const traceOf = (seed: number): string[] => {
    const lines: string[] = [];
    const r = runSeed(seed, 500, { trace: (l) => lines.push(l) });
    lines.push(`commits=${r.commits} recovery=${r.recoveryTicks}`);
    return lines;
  };
  const first = traceOf(42);
  assert.ok(first.length > 500, 'the trace records deliveries, faults and role changes');
  assert.deepEqual(traceOf(42), first);
  assert.notDeepEqual(traceOf(43), first);
});

test('simulator: a run exercises elections, crashes, truncation, snapshots and voter changes', () => {
  let crashes = 0;
  let truncations = 0;
  let installs = 0;
  let voterChanges = 0;
  let leaders = 0;
  for (let seed = 1000; seed < 1020; seed++) {
    const r = runSeed(seed, 1000);
    crashes += r.stats.crashes;
    truncations += r.stats.truncations;
    installs += r.stats.snapshotInstalls;
    voterChanges += r.stats.voterChangesCommitted;
    leaders += r.leaderEpochs;
  }
  assert.ok(crashes > 0 && truncations > 0 && installs > 0 && voterChanges > 0 && leaders > 20);
});

test('driver simulation: the real raft-io driver and controller keep every invariant and recover', async () => {
  const failures: string[] = [];
  const totals = emptyDriverStats();
  for (let seed = 1; seed <= 12; seed++) {
    const r = await runDriverSeed(seed, 250);
    if (r.violation) failures.push(`seed ${seed}: ${r.violation.message}`);
    for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += r.stats[k];
  }
  assert.deepEqual(failures, []);
  assert.ok(
    totals.fencings > 0 && totals.unfencings > 0 && totals.controlledShutdowns > 0,
    JSON.stringify(totals),
  );
  assert.ok(totals.leaderChanges > 0 && totals.topics > 0 && totals.nodeCrashes > 0, JSON.stringify(totals));
});

test('driver simulation: a seed replays exactly, and a planted fsync bug is caught', async () => {
  const traceOf = async (seed: number): Promise<string[]> => {
    const lines: string[] = [];
    const r = await runDriverSeed(seed, 200, { trace: (l) => lines.push(l) });
    lines.push(JSON.stringify(r.stats));
    return lines;
  };
  const first = await traceOf(7);
  assert.ok(first.length > 20);
  assert.deepEqual(await traceOf(7), first);
  const bug = await runDriverSeed(7, 200, { skipFsync: true });
  assert.match(bug.violation?.message ?? '', /persist before send/);
});
