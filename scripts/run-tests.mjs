#!/usr/bin/env node
// Runs every compiled test (dist/test/**/*.test.js) with node's built-in test runner.
// `node scripts/run-tests.mjs storage broker` runs only the files whose path contains one of the words.
// Tests that skip for want of a tool (test/helpers/tools.ts) append a line to $SAMSA_TEST_SKIP_LOG;
// the run ends with one line saying what was skipped and how to install it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const testDir = join(root, 'dist', 'test');

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

/** One line: how many tests were skipped for which tools, and the command that installs them all. */
function skipSummary(logFile) {
  if (!existsSync(logFile)) return null;
  const byTool = new Map();
  let tests = 0;
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line) continue;
    const { tools } = JSON.parse(line);
    tests++;
    for (const tool of tools) byTool.set(tool, (byTool.get(tool) ?? 0) + 1);
  }
  if (tests === 0) return null;
  const list = [...byTool].map(([tool, n]) => `${tool} (${n})`).join(', ');
  return `run-tests: skipped ${tests} test${tests === 1 ? '' : 's'} for missing tools: ${list}; install them with: npm run setup:test-tools`;
}

const words = process.argv.slice(2);
const files = walk(testDir).filter(
  (f) => words.length === 0 || words.some((w) => relative(testDir, f).includes(w)),
);
if (files.length === 0) {
  console.error(
    `run-tests: no test files under ${relative(root, testDir)}${words.length ? ` matching ${words.join(', ')}` : ''}`,
  );
  process.exit(1);
}
const skipDir = mkdtempSync(join(tmpdir(), 'samsa-test-skips-'));
const skipLog = join(skipDir, 'skips.jsonl');
const args = ['--test', '--test-concurrency=2', '--test-timeout=240000', ...files];
const result = spawnSync(process.execPath, args, {
  stdio: 'inherit',
  cwd: root,
  env: { ...process.env, SAMSA_TEST_SKIP_LOG: skipLog },
});
const summary = skipSummary(skipLog);
rmSync(skipDir, { recursive: true, force: true });
if (summary) console.log(summary);
process.exit(result.status ?? 1);
