// The README's security example, run as written (in a temporary directory, on a free port, with the
// metrics endpoint off): openssl certificates, a SASL_SSL broker with SCRAM users formatted with its
// first admin, ACLs for a producer and a consumer group, and the record read back. Then what the
// example says about the reader, the writer and a wrong password.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { repoRoot } from '../helpers/paths.js';
import { run, skipUnless } from '../helpers/tools.js';

/** Certificates come from openssl: without it the file is skipped (under CI=true, it fails). */
const skip = skipUnless('README security example', 'openssl');

const dir = mkdtempSync(join(tmpdir(), 'samsa-readme-security-'));
let group: number | null = null;

after(async () => {
  // The script's process group holds the broker it started in the background.
  if (group !== null) {
    try {
      process.kill(-group, 'SIGTERM');
    } catch {}
    for (let i = 0; i < 100 && alive(-group); i++) await new Promise((r) => setTimeout(r, 50));
  }
  rmSync(dir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The example's client settings with the CA given by its full path (tools run elsewhere). */
function settings(who: string, password = `${who}-secret`): string {
  const text = readFileSync(join(dir, `${who}.properties`), 'utf8')
    .replace('ssl.truststore.location=ca.crt', `ssl.truststore.location=${join(dir, 'ca.crt')}`)
    .replace(`${who}-secret`, password);
  const path = join(dir, `${who}-${password}.test.properties`);
  writeFileSync(path, text);
  return path;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function example(): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const at = readme.indexOf('<!-- security-example -->');
  assert.ok(at >= 0, 'the README marks its security example');
  const m = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(m, 'the example is a sh block');
  return m[1];
}

test("the README's security example runs as written", { skip, timeout: 180_000 }, async () => {
  if (skip) return;
  const port = await freePort();
  const controllerPort = await freePort();
  const script = example()
    .replaceAll('localhost:9093', `localhost:${port}`)
    .replaceAll('localhost:9094', `localhost:${controllerPort}`)
    .replaceAll('bin/', `${repoRoot}/bin/`);
  writeFileSync(join(dir, 'example.sh'), `set -euo pipefail\n${script}`);
  const child = spawn('bash', ['example.sh'], {
    cwd: dir,
    detached: true,
    env: {
      ...process.env,
      KAFKA_METRICS_PORT: '0',
      PATH: `${process.execPath.replace(/\/node$/, '')}:${process.env.PATH}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  group = child.pid ?? null;
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, `${err}\n${out}`);
  assert.match(out, /^order 1$/m);
  const bs = `localhost:${port}`;
  const bin = (t: string) => join(repoRoot, 'bin', t);
  const reader = await run(
    bin('kafka-console-producer.sh'),
    ['--bootstrap-server', bs, '--topic', 'orders', '--producer.config', settings('reader')],
    { input: 'nope\n' },
  );
  assert.notEqual(reader.code, 0, 'the reader may not write');
  assert.match(reader.stderr, /TOPIC_AUTHORIZATION_FAILED|not authorized/i);
  const writer = await run(bin('kafka-console-consumer.sh'), [
    '--bootstrap-server',
    bs,
    '--topic',
    'orders',
    '--from-beginning',
    '--max-messages',
    '1',
    '--timeout-ms',
    '5000',
    '--consumer.config',
    settings('writer'),
  ]);
  assert.notEqual(writer.code, 0, 'the writer may not read');
  const wrongSettings = settings('writer', 'guess');
  const wrong = await run(bin('kafka-topics.sh'), [
    '--bootstrap-server',
    bs,
    '--list',
    '--command-config',
    wrongSettings,
  ]);
  assert.notEqual(wrong.code, 0);
  assert.match(
    wrong.stderr,
    /Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512/,
  );
});
