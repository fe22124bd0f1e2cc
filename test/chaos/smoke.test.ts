// The chaos lab's smoke run inside `npm test`: two runs of 20 s against one real node with SIGKILL,
// SIGSTOP and restart faults, both clients, both final readers; each must pass with faults injected
// and records acknowledged, read by the group and read back in full. Long runs: `npm run chaos`.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { skipUnless } from '../helpers/tools.js';
import { type RunOptions, runOnce } from './run.js';

const out = mkdtempSync(join(tmpdir(), 'samsa-chaos-smoke-'));

function options(seed: number): RunOptions {
  return {
    seed,
    nodes: 1,
    durationMs: 20_000,
    faults: ['kill', 'pause', 'restart'],
    workload: 'queue',
    partitions: 3,
    rate: 100,
    clients: ['samsa', 'kafkajs'],
    outDir: out,
    bootstrap: null,
    unsafe: null,
    brokerConfig: [],
    concurrency: 1,
    diskMb: 64,
    keep: false,
    replay: `npm run chaos -- --duration 20s --faults kill,pause,restart --partitions 3 --rate 100 --seed ${seed}`,
  };
}

describe('chaos smoke', { skip: skipUnless('chaos smoke', 'kcat') }, () => {
  after(() => rmSync(out, { recursive: true, force: true }));

  for (const seed of [101, 102]) {
    test(`seed ${seed}: 20 s of kill, pause and restart faults on one node lose nothing`, {
      timeout: 200_000,
    }, async () => {
      const r = await runOnce(options(seed));
      const detail = `${r.runDir}: ${JSON.stringify({ counts: r.check.counts, inconclusive: r.check.inconclusive, problems: r.problems })}`;
      assert.ok(r.faultsRun >= 1, `${r.faultsRun} of ${r.faults.length} scheduled faults ran; ${detail}`);
      assert.deepEqual(r.check.violations.slice(0, 5), [], detail);
      assert.deepEqual(r.check.inconclusive, [], detail);
      assert.deepEqual(r.problems, [], detail);
      assert.equal(r.ok, true);
      const s = r.check.stats;
      assert.ok(s.acked > 500, `only ${s.acked} acknowledged`);
      assert.ok(s.readLive >= s.acked, `the group read ${s.readLive} of ${s.acked}`);
      assert.deepEqual(Object.keys(s.readDrain).sort(), ['drain-kcat', 'drain-samsa']);
      for (const n of Object.values(s.readDrain)) assert.ok(n >= s.acked);
      const html = readFileSync(r.report, 'utf8');
      assert.match(html, /PASS<\/span> — chaos run, seed/);
      assert.match(html, /<svg/);
      assert.doesNotMatch(html, /<script|https?:\/\//, 'the report is self-contained');
      assert.equal(existsSync(join(r.runDir, 'history.jsonl')), false, 'a passing run keeps no history');
    });
  }
});
