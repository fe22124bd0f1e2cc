// Hostile and broken clients: garbage, truncated frames, a 2 GiB size prefix, unknown API keys,
// unsupported versions, and thousands of connections opened and dropped. The broker must stay up and
// keep serving a well-behaved client (a producer and a consumer) the whole time.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Consumer, Producer } from '../../src/client/index.js';
import { encodeRequestFrame } from '../../src/protocol/frame.js';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { Rng } from '../helpers/random.js';

let broker: BrokerProcess;

before(async () => {
  broker = await startBrokerProcess();
});

after(async () => {
  await broker.stop();
  removeDataDir(broker.dataDir);
});

/** Opens a connection, writes `bytes`, and resolves when the broker closes it or after `waitMs`. */
function sendAndWait(bytes: Buffer, waitMs = 500): Promise<'closed' | 'open'> {
  return new Promise((resolve) => {
    const s = connect({ host: broker.host, port: broker.port }, () => s.write(bytes));
    const timer = setTimeout(() => {
      s.destroy();
      resolve('open');
    }, waitMs);
    s.on('data', () => {});
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
  });
}

function frame(payload: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length);
  return Buffer.concat([size, payload]);
}

let healthy = 0;
async function wellBehavedClientWorks(tag: string): Promise<void> {
  const value = `${tag}-${healthy++}`;
  const producer = new Producer({ bootstrapServers: broker.bootstrap, lingerMs: 0 });
  let offset: number;
  try {
    ({ offset } = await producer.send({ topic: 'healthy', partition: 0, value }));
  } finally {
    await producer.close();
  }
  const consumer = new Consumer({ bootstrapServers: broker.bootstrap });
  try {
    consumer.assign([{ topic: 'healthy', partition: 0, offset }]);
    const records = await consumer.poll(15_000);
    assert.equal(records[0]?.value?.toString(), value, `${tag}: consume failed`);
  } finally {
    await consumer.close();
  }
}

test('the broker closes connections that send malformed or oversized frames, and keeps serving', async () => {
  await wellBehavedClientWorks('start');
  // A 2 GiB size prefix: closed before anything is buffered for it.
  assert.equal(await sendAndWait(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3])), 'closed');
  // A negative size prefix.
  assert.equal(await sendAndWait(Buffer.from([0xff, 0xff, 0xff, 0xf0])), 'closed');
  // An unknown API key.
  assert.equal(await sendAndWait(frame(Buffer.from('0fa0000000000001ffff', 'hex'))), 'closed');
  // A known key at an unsupported version (Produce v99).
  assert.equal(await sendAndWait(frame(Buffer.from('0000006300000001ffff', 'hex'))), 'closed');
  // A frame too short for a request header.
  assert.equal(await sendAndWait(frame(Buffer.from('0003', 'hex'))), 'closed');
  // A valid Metadata header with a body cut short.
  const metadata = Buffer.concat(
    encodeRequestFrame(3, 12, 1, 'bad', {
      topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'x' }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    }),
  );
  assert.equal(await sendAndWait(frame(metadata.subarray(4, metadata.length - 5))), 'closed');
  // A truncated frame (size says more than is sent) just waits; the connection is dropped by the client.
  assert.equal(await sendAndWait(Buffer.from([0, 0, 0, 100, 0, 3]), 200), 'open');
  await wellBehavedClientWorks('after-malformed');
});

test('random garbage on many connections never takes the broker down', async () => {
  const rng = new Rng(42);
  for (let round = 0; round < 10; round++) {
    await Promise.all(Array.from({ length: 50 }, () => sendAndWait(rng.bytes(rng.int(1, 300)), 100)));
  }
  // Valid ApiVersions frames with random bytes flipped in the body.
  const good = Buffer.concat(
    encodeRequestFrame(18, 3, 1, 'fuzz', { clientSoftwareName: 'x', clientSoftwareVersion: '1' }),
  );
  for (let i = 0; i < 200; i++) {
    const b = Buffer.from(good);
    b[rng.int(4, b.length - 1)] = rng.int(0, 255);
    await sendAndWait(b, 20);
  }
  await wellBehavedClientWorks('after-garbage');
});

test('thousands of connections opened and dropped leave the broker serving', async () => {
  let opened = 0;
  for (let round = 0; round < 20; round++) {
    const sockets = await Promise.all(
      Array.from(
        { length: 100 },
        () =>
          new Promise<ReturnType<typeof connect>>((resolve) => {
            const s = connect({ host: broker.host, port: broker.port }, () => resolve(s));
            s.on('error', () => resolve(s));
          }),
      ),
    );
    opened += sockets.length;
    for (const s of sockets) s.destroy();
  }
  assert.equal(opened, 2000);
  await sleep(100);
  await wellBehavedClientWorks('after-connection-churn');
  assert.equal(broker.child.exitCode, null, 'the broker process is still running');
});
