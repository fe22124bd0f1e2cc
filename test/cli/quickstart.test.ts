// The seed's quick start, each command verbatim except for the port: the broker of the test
// listens on localhost at a random port, which replaces 9092 in every command line.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { start, tool } from './cli-helpers.js';

let broker: BrokerProcess;
let bootstrap: string;
const LINES = ['first message', 'second message', 'third message'];

before(async () => {
  broker = await startBrokerProcess({ args: ['--host', 'localhost'] });
  bootstrap = `localhost:${broker.port}`;
});

after(async () => {
  await broker.stop();
  removeDataDir(broker.dataDir);
});

test('kafka-topics.sh --create --topic my-topic --partitions 3 --replication-factor 1', async () => {
  const r = await tool('kafka-topics.sh', [
    '--bootstrap-server',
    bootstrap,
    '--create',
    '--topic',
    'my-topic',
    '--partitions',
    '3',
    '--replication-factor',
    '1',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Created topic my-topic.\n');
});

test('kafka-topics.sh --list', async () => {
  const r = await tool('kafka-topics.sh', ['--bootstrap-server', bootstrap, '--list']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    r.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('__')),
    ['my-topic'],
  );
});

test('kafka-console-producer.sh --broker-list ... --topic my-topic, lines on stdin', async () => {
  const r = await tool('kafka-console-producer.sh', ['--broker-list', bootstrap, '--topic', 'my-topic'], {
    input: `${LINES.join('\n')}\n`,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '', 'no prompt when stdin is not a terminal');
  assert.match(r.stderr, /--broker-list is deprecated/);
});

/** Runs a consumer command verbatim until it printed every line, then stops it with Ctrl-C. */
async function consumeUntilInterrupted(
  args: string[],
): Promise<{ lines: string[]; stderr: string; code: number | null }> {
  const c = start('kafka-console-consumer.sh', args);
  await c.waitFor(/(.*\n){3}/);
  c.child.kill('SIGINT');
  const code = await c.exited;
  return {
    lines: c
      .stdout()
      .split('\n')
      .filter((l) => l !== ''),
    stderr: c.stderr(),
    code,
  };
}

test('kafka-console-consumer.sh --topic my-topic --from-beginning', async () => {
  const r = await consumeUntilInterrupted([
    '--bootstrap-server',
    bootstrap,
    '--topic',
    'my-topic',
    '--from-beginning',
  ]);
  assert.deepEqual([...r.lines].sort(), [...LINES].sort());
  assert.match(r.stderr, /Processed a total of 3 messages/);
  assert.equal(r.code, 130, 'interrupted, as a JVM ended by SIGINT');
});

test('kafka-console-consumer.sh --topic my-topic --from-beginning --group my-group commits its offsets', async () => {
  const r = await consumeUntilInterrupted([
    '--bootstrap-server',
    bootstrap,
    '--topic',
    'my-topic',
    '--from-beginning',
    '--group',
    'my-group',
  ]);
  assert.deepEqual([...r.lines].sort(), [...LINES].sort());
  assert.match(r.stderr, /Processed a total of 3 messages/);
  // The group committed what it printed: a second run has nothing left to read.
  const again = await tool('kafka-console-consumer.sh', [
    '--bootstrap-server',
    bootstrap,
    '--topic',
    'my-topic',
    '--from-beginning',
    '--group',
    'my-group',
    '--timeout-ms',
    '1500',
  ]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, '');
  assert.match(again.stderr, /Processed a total of 0 messages/);
  const lag = await tool('kafka-consumer-groups.sh', [
    '--bootstrap-server',
    bootstrap,
    '--describe',
    '--group',
    'my-group',
  ]);
  assert.equal(lag.code, 0, lag.stderr);
  const rows = lag.stdout
    .split('\n')
    .slice(2)
    .filter((l) => l.trim() !== '');
  const committed = rows.map((l) => l.split(/\s+/)).reduce((n, c) => n + Number(c[3]), 0);
  assert.equal(committed, 3, lag.stdout);
  for (const row of rows) assert.equal(row.split(/\s+/)[5], '0', `no lag: ${row}`);
});
