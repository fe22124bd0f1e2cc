// Two of three replicas down (three broker processes; the metadata quorum on three separate controller
// processes, so it keeps its majority): a topic with replication factor 3 and min.insync.replicas=2
// refuses acks=all with NOT_ENOUGH_REPLICAS while acks=1 still works; when the two come back they
// catch up, rejoin the ISR and hold the same log.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ProcessCluster } from '../helpers/process-cluster.js';
import { needs, runPython } from '../helpers/tools.js';
import { until } from '../helpers/wait.js';

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

test('two of three replicas down: acks=all gets NOT_ENOUGH_REPLICAS, acks=1 still works; they come back into the ISR', {
  timeout: 180_000,
}, async (t) => {
  if (!needs(t, 'confluent-kafka')) return;
  await cluster.createTopic('min-isr', 1, 3, { 'min.insync.replicas': '2' });
  const { leader } = await until(
    () => cluster.describePartition('min-isr', 0),
    (d) => d.isr.length === 3,
    'a full ISR',
  );
  const others = [1, 2, 3].filter((n) => n !== leader);
  for (const n of others) await cluster.kill(n);
  await until(
    () => cluster.describePartition('min-isr', 0),
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
    () => cluster.describePartition('min-isr', 0),
    (d) => d.isr.length === 3,
    'both replicas to rejoin the ISR',
    60_000,
  );
  const again = await runPython(PROBE, [cluster.node(leader).bootstrap, 'all'], 30_000);
  assert.equal(again.stdout.trim(), 'OK', 'acks=all works again');
  await until(
    async () => [1, 2, 3].map((n) => cluster.segmentBytes(n, 'min-isr', 0)),
    (logs) => logs.every((l) => l.equals(logs[0])),
    'the returning replicas to hold the same log',
  );
});
