// `samsa dev cluster --nodes 3`: three node processes on consecutive ports, the ports printed, a working
// cluster (kcat lists three brokers), and Ctrl-C (SIGINT) stops them all and removes their data.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { test } from 'node:test';
import { needs, run } from '../helpers/tools.js';
import { start } from './cli-helpers.js';

/** The first of `n` consecutive ports free on 127.0.0.1 right now (the dev cluster numbers its nodes' ports). */
async function consecutiveFreePorts(n: number): Promise<number> {
  const listen = (port: number) =>
    new Promise<Server | null>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(null));
      s.listen(port, '127.0.0.1', () => resolve(s));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const servers = await Promise.all(Array.from({ length: n }, (_, i) => listen(base + i)));
    await Promise.all(servers.map((s) => (s ? new Promise((r) => s.close(r)) : null)));
    if (servers.every((s) => s !== null)) return base;
  }
  throw new Error(`no ${n} consecutive free ports found`);
}

test('samsa dev cluster --nodes 3: ports printed, three brokers, Ctrl-C stops every node', async (t) => {
  if (!needs(t, 'kcat')) return;
  const port = await consecutiveFreePorts(6);
  const dev = start('samsa', [
    'dev',
    'cluster',
    '--nodes',
    '3',
    '--port',
    String(port),
    '--controller-port',
    String(port + 3),
    '--host',
    '127.0.0.1',
  ]);
  try {
    await dev.waitFor(/Ctrl-C stops every node/, 30_000);
    const out = dev.stdout();
    for (let i = 0; i < 3; i++)
      assert.match(
        out,
        new RegExp(
          `node ${i + 1}: broker 127\\.0\\.0\\.1:${port + i}, controller 127\\.0\\.0\\.1:${port + 3 + i}`,
        ),
      );
    assert.match(
      out,
      new RegExp(
        `Bootstrap servers: 127\\.0\\.0\\.1:${port},127\\.0\\.0\\.1:${port + 1},127\\.0\\.0\\.1:${port + 2}`,
      ),
    );
    const data = /data in (\S+) \(removed on exit\)/.exec(out)?.[1] as string;
    assert.ok(data && existsSync(data), out);
    for (const n of [1, 2, 3])
      await dev.waitFor(new RegExp(`\\[node ${n}\\] Samsa node ${n} ready on`), 60_000);
    const listed = await run('kcat', ['-b', `127.0.0.1:${port + 1}`, '-L', '-J'], { timeoutMs: 30_000 });
    assert.equal(listed.code, 0, listed.stderr);
    const brokers = (JSON.parse(listed.stdout) as { brokers: { id: number }[] }).brokers
      .map((b) => b.id)
      .sort();
    assert.deepEqual(brokers, [1, 2, 3]);
    dev.child.kill('SIGINT');
    assert.equal(await dev.exited, 0, dev.stdout() + dev.stderr());
    assert.ok(!existsSync(data), 'the temporary data is removed');
  } finally {
    // SIGTERM: the dev cluster stops its nodes too.
    if (dev.child.exitCode === null) dev.child.kill('SIGTERM');
  }
});
