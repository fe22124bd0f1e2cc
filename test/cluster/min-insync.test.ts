// Two of three replicas down (three broker processes; the metadata quorum on three separate controller
// processes, so it keeps its majority): a topic with replication factor 3 and min.insync.replicas=2
// refuses acks=all with NOT_ENOUGH_REPLICAS while acks=1 still works; when the two come back they
// catch up, rejoin the ISR and hold the same log.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot } from '../helpers/paths.js';
import { ProcessCluster } from '../helpers/process-cluster.js';
import { needs, run, runPython } from '../helpers/tools.js';

let cluster: ProcessCluster;

before(async () => {
  cluster = await ProcessCluster.start({
    controllers: 3,
    brokers: 3,
    configs: {
      'broker.session.timeout.ms': '3000',
      'broker.heartbeat.interval.ms': '500',
      'replica.lag.time.max.ms': '3000',
    },
  });
});

after(async () => {
  await cluster?.close();
});

async function topics(args: string[]): Promise<string> {
  const out = await run(
    join(repoRoot, 'bin', 'kafka-topics.sh'),
    ['--bootstrap-server', cluster.bootstrap, ...args],
    {
      env: { PATH: `${join(process.execPath, '..')}:${process.env.PATH ?? ''}` },
    },
  );
  assert.equal(out.code, 0, out.stderr);
  return out.stdout;
}

async function describe(topic: string, partition: number): Promise<{ leader: number; isr: number[] }> {
  const text = await topics(['--describe', '--topic', topic]);
  const line = text.split('\n').find((l) => new RegExp(`Partition: ${partition}\\t`).test(l));
  assert.ok(line, text);
  const leader = Number(/Leader: (-?\d+)/.exec(line)?.[1]);
  const isr = (/Isr: ([\d,]*)/.exec(line)?.[1] ?? '').split(',').filter(Boolean).map(Number);
  return { leader, isr };
}

async function until<T>(
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function segmentBytes(node: number, topic: string, partition: number): Buffer {
  const dir = join(cluster.node(node).dataDir, `${topic}-${partition}`);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .sort();
  return Buffer.concat(files.map((f) => readFileSync(join(dir, f))));
}

test('two of three replicas down: acks=all gets NOT_ENOUGH_REPLICAS, acks=1 still works; they come back into the ISR', {
  timeout: 180_000,
}, async (t) => {
  if (!needs(t, 'confluent-kafka')) return;
  await topics([
    '--create',
    '--topic',
    'min-isr',
    '--partitions',
    '1',
    '--replication-factor',
    '3',
    '--config',
    'min.insync.replicas=2',
  ]);
  const { leader } = await until(
    () => describe('min-isr', 0),
    (d) => d.isr.length === 3,
    'a full ISR',
  );
  const others = [1, 2, 3].filter((n) => n !== leader);
  for (const n of others) await cluster.kill(n);
  await until(
    () => describe('min-isr', 0),
    (d) => d.isr.length === 1 && d.leader === leader,
    'the ISR to shrink to the leader',
    30_000,
  ).catch((err) => {
    if (process.env.SAMSA_TEST_VERBOSE)
      for (const n of cluster.nodes.values()) console.log(`==== node ${n.id}\n${n.output.slice(-6000)}`);
    throw err;
  });
  const PROBE = `
import sys
from confluent_kafka import Producer
p = Producer({'bootstrap.servers': sys.argv[1], 'acks': sys.argv[2], 'message.timeout.ms': 5000, 'retries': 0})
result = []
p.produce('min-isr', value=b'probe', partition=0, on_delivery=lambda err, msg: result.append(err.name() if err else 'OK'))
p.flush(15)
print(result[0] if result else 'NONE')
`;
  const all = await runPython(PROBE, [cluster.node(leader).bootstrap, 'all'], 30_000);
  assert.equal(all.code, 0, all.stderr);
  assert.equal(all.stdout.trim(), 'NOT_ENOUGH_REPLICAS');
  const one = await runPython(PROBE, [cluster.node(leader).bootstrap, '1'], 30_000);
  assert.equal(one.stdout.trim(), 'OK', 'acks=1 is still accepted');
  for (const n of others) await cluster.restart(n);
  await until(
    () => describe('min-isr', 0),
    (d) => d.isr.length === 3,
    'both replicas to rejoin the ISR',
    60_000,
  );
  const again = await runPython(PROBE, [cluster.node(leader).bootstrap, 'all'], 30_000);
  assert.equal(again.stdout.trim(), 'OK', 'acks=all works again');
  await until(
    async () => [1, 2, 3].map((n) => segmentBytes(n, 'min-isr', 0)),
    (logs) => logs.every((l) => l.equals(logs[0])),
    'the returning replicas to hold the same log',
  );
});
