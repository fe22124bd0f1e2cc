#!/usr/bin/env node
// Runs every compiled test (dist/test/**/*.test.js) with node's built-in test runner.
// `node scripts/run-tests.mjs storage broker` runs only the files whose path contains one of the words.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
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
const args = ['--test', '--test-concurrency=2', '--test-timeout=240000', ...files];
const result = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
process.exit(result.status ?? 1);
