// The embedded broker under a real vitest run: the README's examples and the globalSetup helper
// (test/embedded/vitest-example, a vitest project as a user would write one).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/paths.js';
import { run } from '../helpers/tools.js';

test('vitest runs the README examples against startBroker() and the samsa/vitest-setup broker', async () => {
  const vitest = join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs');
  const r = await run(
    process.execPath,
    [vitest, 'run', '--root', join(repoRoot, 'test', 'embedded', 'vitest-example')],
    {
      timeoutMs: 120_000,
      env: { CI: 'true', NO_COLOR: '1' },
    },
  );
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /Tests +3 passed \(3\)/);
});
