// The fault schedule is a function of the seed (so --seed replays a run), stays inside the run, and
// aims network faults at real parties; the command line is read as documented.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCli, parseDuration } from './main.js';
import { buildSchedule, FAULT_KINDS, parseFaultKinds } from './schedule.js';

const base = { nodes: 3, durationMs: 60_000, faults: [...FAULT_KINDS] };

test('the same seed gives the same schedule; another seed another one', () => {
  const a = buildSchedule({ ...base, seed: 7 });
  assert.deepEqual(buildSchedule({ ...base, seed: 7 }), a);
  assert.notDeepEqual(buildSchedule({ ...base, seed: 8 }), a);
  assert.ok(a.length >= 4, `only ${a.length} faults in 60 s`);
});

test('faults start after the warm-up, end before the run does, and one at a time by default', () => {
  for (let seed = 1; seed <= 50; seed++) {
    const s = buildSchedule({ ...base, seed });
    let previousEnd = 0;
    for (const f of s) {
      assert.ok(f.atMs >= 2000, `seed ${seed}: fault ${f.id} at ${f.atMs}`);
      assert.ok(f.atMs + f.durationMs <= base.durationMs - 1000);
      assert.ok(f.atMs >= previousEnd, `seed ${seed}: fault ${f.id} overlaps the one before`);
      previousEnd = f.atMs + f.durationMs;
    }
  }
});

test('network faults name nodes and clients on two sides; one node means clients against it', () => {
  const kinds = new Set<string>();
  for (let seed = 1; seed <= 200; seed++) {
    for (const f of buildSchedule({ ...base, seed })) {
      kinds.add(f.kind);
      if (f.kind !== 'partition' && f.kind !== 'oneway') continue;
      const sides = [...(f.from ?? []), ...(f.to ?? [])];
      assert.ok(
        sides.every((p) => p === 'clients' || /^n[123]$/.test(p)),
        JSON.stringify(f),
      );
      assert.equal(new Set(f.from).size + new Set(f.to).size, new Set(sides).size, 'no party on both sides');
      assert.ok(f.mode === 'stall' || f.mode === 'drop');
    }
    for (const f of buildSchedule({ ...base, nodes: 1, seed, faults: ['partition'] })) {
      assert.deepEqual([...(f.from ?? []), ...(f.to ?? [])].sort(), ['clients', 'n1']);
    }
  }
  assert.deepEqual([...kinds].sort(), [...FAULT_KINDS].sort());
});

test('fault lists, durations and options are read as documented, and bad ones named', () => {
  assert.deepEqual(parseFaultKinds('kill,pause'), ['kill', 'pause']);
  assert.deepEqual(parseFaultKinds('none'), []);
  assert.throws(() => parseFaultKinds('kill,crash'), /unknown fault 'crash'/);
  assert.equal(parseDuration('60s'), 60_000);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.throws(() => parseDuration('soon'), /not a duration/);
  const cli = parseCli(['--nodes', '3', '--duration', '20s', '--seed', '7', '--runs', '5']);
  assert.ok(cli !== 'help' && !('check' in cli));
  assert.equal(cli.base.nodes, 3);
  assert.deepEqual(cli.base.faults, ['kill', 'pause', 'partition', 'restart']);
  assert.equal(cli.firstSeed, 7);
  assert.equal(cli.runs, 5);
  assert.throws(() => parseCli(['--bootstrap', 'h:1', '--faults', 'kill']), /cannot inject faults/);
  assert.throws(() => parseCli(['--workload', 'bank']), /--workload must be one of/);
  assert.throws(() => parseCli(['--clients', 'samsa,java']), /unknown client 'java'/);
  assert.throws(() => parseCli(['--unsafe', 'ack-early']), /--unsafe must be one of .*'ack-early'/);
  const unsafe = parseCli(['--nodes', '3', '--unsafe', 'ack-before-replication']);
  assert.ok(unsafe !== 'help' && !('check' in unsafe));
  assert.equal(unsafe.base.unsafe, 'ack-before-replication');
});
