// Durability across a crash: a producer writes 100,000 records with acks=1 while the broker is
// killed with SIGKILL part-way; after a restart every record the producer saw acknowledged is read
// back at the offset it was acknowledged with, in order, with no gaps.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { DEBIAN_PYTHON, needs, run } from '../helpers/tools.js';

const RECORDS = 100_000;

const PRODUCER = `
import sys
from confluent_kafka import Producer
out = open(sys.argv[2], 'w', buffering=1)
p = Producer({'bootstrap.servers': sys.argv[1], 'acks': 1, 'linger.ms': 5, 'message.timeout.ms': 8000,
              'retries': 0, 'queue.buffering.max.messages': 200000})
def report(err, msg):
    if err is None:
        out.write('%d %s\\n' % (msg.offset(), msg.value().decode()))
for i in range(int(sys.argv[3])):
    p.produce('durable', value=('v%d' % i).encode(), partition=0, on_delivery=report)
    if i % 1000 == 0:
        p.poll(0)
p.flush(20)
out.close()
`;

test('every record acknowledged before a SIGKILL is served after the restart, at its offset', {
  timeout: 180_000,
}, async (t) => {
  if (!needs(t, 'confluent-kafka', 'kcat')) return;
  const first = await startBrokerProcess();
  const ackFile = join(tmpdir(), `samsa-acks-${process.pid}.txt`);
  const producer = spawn(DEBIAN_PYTHON, ['-c', PRODUCER, first.bootstrap, ackFile, String(RECORDS)], {
    stdio: 'ignore',
  });
  const producerDone = new Promise((r) => producer.once('exit', r));
  // Kill the broker once about 60% of the records are acknowledged.
  for (let waited = 0; waited < 60_000; waited += 20) {
    let acked = 0;
    try {
      acked = readFileSync(ackFile, 'utf8').split('\n').length;
    } catch {}
    if (acked > RECORDS * 0.6) break;
    await sleep(20);
  }
  await first.kill();
  await producerDone;
  const acked = readFileSync(ackFile, 'utf8').trim().split('\n').filter(Boolean);
  assert.ok(acked.length > RECORDS * 0.5, `only ${acked.length} acknowledgements before the kill`);

  const second = await startBrokerProcess({ dataDir: first.dataDir });
  try {
    const r = await run(
      'kcat',
      [
        '-b',
        second.bootstrap,
        '-C',
        '-t',
        'durable',
        '-p',
        '0',
        '-o',
        'beginning',
        '-e',
        '-q',
        '-f',
        '%o %s\\n',
      ],
      { timeoutMs: 60_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const stored = new Map<number, string>();
    let expectedOffset = 0;
    for (const line of r.stdout.trim().split('\n')) {
      const [offset, value] = line.split(' ');
      assert.equal(Number(offset), expectedOffset++, 'offsets are contiguous from 0');
      stored.set(Number(offset), value);
    }
    for (const line of acked) {
      const [offset, value] = line.split(' ');
      assert.equal(
        stored.get(Number(offset)),
        value,
        `acknowledged record at offset ${offset} is missing or different`,
      );
    }
    // One producer, one partition, no retries: the log is the records in the order they were sent.
    const values = [...stored.values()].map((v) => Number(v.slice(1)));
    assert.ok(
      values.every((v, i) => i === 0 || v > values[i - 1]),
      'records are in production order',
    );
  } finally {
    await second.stop();
    removeDataDir(first.dataDir);
  }
});
