import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Harness, parseTranscript, renderTranscript } from './harness.js';

// Each file in test/raft/testdata is one transcript: commands and the exact messages and state changes
// they must produce. REWRITE=1 writes the actual output back into the files (review the diff!).

const dir = join(dirname(fileURLToPath(import.meta.url)), '../../../test/raft/testdata');

for (const file of readdirSync(dir).filter((f) => f.endsWith('.txt'))) {
  test(`transcript ${file}`, () => {
    const path = join(dir, file);
    const text = readFileSync(path, 'utf8');
    const harness = new Harness();
    const actual = new Map<number, string[]>();
    for (const step of parseTranscript(text)) {
      const out = harness.run(step.command);
      actual.set(step.line, out);
      if (!process.env.REWRITE) {
        assert.deepEqual(out, step.expected, `${file}:${step.line}: > ${step.command}`);
      }
    }
    if (process.env.REWRITE) writeFileSync(path, renderTranscript(text, actual));
  });
}
