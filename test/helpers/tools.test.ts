// The one way tests ask for third-party tools (test/helpers/tools.ts): a missing tool skips the test,
// naming the tool and its install command, and is counted in run-tests' summary line; under CI=true
// it fails the test. Tried here with the tools hidden (SAMSA_TEST_HIDE_TOOLS) in a child test run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './paths.js';
import { installHint, TOOLS } from './tools.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/needs-tools.js', import.meta.url));

function runFixture(env: NodeJS.ProcessEnv) {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-tools-test-'));
  const skipLog = join(dir, 'skips.jsonl');
  try {
    // Without NODE_TEST_CONTEXT, which makes a `node --test` inside a test file run nothing.
    const { NODE_TEST_CONTEXT: _, ...parent } = process.env;
    const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', FIXTURE], {
      encoding: 'utf8',
      env: { ...parent, CI: '', SAMSA_TEST_SKIP_LOG: skipLog, ...env },
    });
    let skips: { test: string; tools: string[] }[] = [];
    try {
      skips = readFileSync(skipLog, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    } catch {}
    return { status: r.status, out: r.stdout + r.stderr, skips };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('every tool names Debian packages that scripts/test-packages.txt installs', () => {
  const listed = new Set(
    readFileSync(join(repoRoot, 'scripts', 'test-packages.txt'), 'utf8')
      .split('\n')
      .map((l) => l.replace(/#.*/, '').trim())
      .filter(Boolean),
  );
  for (const [tool, spec] of Object.entries(TOOLS)) {
    for (const p of spec.packages) assert.ok(listed.has(p), `${tool}: ${p} is not in test-packages.txt`);
  }
  assert.equal(installHint('kcat'), 'sudo apt-get install kcat');
});

test('a hidden tool skips the test, naming the tool and how to install it, and logs the skip', () => {
  const r = runFixture({ SAMSA_TEST_HIDE_TOOLS: 'kcat,confluent-kafka' });
  assert.equal(r.status, 0, r.out);
  assert.match(
    r.out,
    /# SKIP kcat is missing \(install: sudo apt-get install kcat\); every test tool: npm run setup:test-tools/,
  );
  assert.match(
    r.out,
    /confluent-kafka .* is missing \(install: sudo apt-get install python3-confluent-kafka\)/,
  );
  assert.match(r.out, /# pass 1\n/, 'the test that needs no tool ran');
  assert.match(r.out, /# skipped 2\n/);
  assert.deepEqual(
    r.skips.map((s) => [s.test, s.tools]),
    [
      ['needs kcat', ['kcat']],
      ['needs kcat and confluent-kafka', ['kcat', 'confluent-kafka']],
    ],
  );
});

test('a tool stripped from PATH skips the same way', () => {
  const r = runFixture({ PATH: '/nonexistent' });
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /# SKIP kcat is missing/);
  assert.equal(r.skips[0]?.test, 'needs kcat');
});

test('under CI=true a missing tool fails the test instead', () => {
  const r = runFixture({ SAMSA_TEST_HIDE_TOOLS: 'all', CI: 'true' });
  assert.notEqual(r.status, 0);
  assert.match(r.out, /CI=true and a test tool is missing: kcat is missing/);
  assert.match(r.out, /# fail 2\n/);
  assert.deepEqual(r.skips, [], 'nothing skipped');
});
