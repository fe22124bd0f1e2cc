// Samsa's client over TLS reads responses into its own buffers (tls.connect's `onread`), as it does
// over plain TCP: a Fetch response of several MiB, many TLS records long, arrives intact, and the
// socket never emits a 'data' chunk (which it would, were the option ignored and the FrameCutter
// fallback taking the reads).
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { Admin } from '../../src/client/admin.js';
import { Consumer } from '../../src/client/consumer.js';
import { Producer } from '../../src/client/producer.js';
import { type EmbeddedBroker, startBroker } from '../../src/embedded/index.js';
import { makeCerts, type TestCerts } from '../helpers/certs.js';
import { skipUnless } from '../helpers/tools.js';

const skip = skipUnless("the client's TLS reads", 'openssl');

let certs: TestCerts;
let broker: EmbeddedBroker;

before(async () => {
  if (skip) return;
  certs = makeCerts();
  broker = await startBroker({
    listeners: [
      {
        protocol: 'SSL',
        tls: { cert: certs.read(certs.brokerCert), key: certs.read(certs.brokerKey) },
      },
    ],
  });
});

after(async () => {
  await broker?.stop();
  certs?.remove();
});

/** Counts the 'data' events a socket emits from now on. */
function countDataEvents(socket: Socket): () => number {
  let n = 0;
  const emit = socket.emit.bind(socket);
  socket.emit = ((event: string | symbol, ...args: unknown[]) => {
    if (event === 'data') n++;
    return emit(event, ...args);
  }) as Socket['emit'];
  return () => n;
}

test('a multi-MiB Fetch response over TLS lands in the reader, byte for byte, with no data events', {
  skip,
}, async () => {
  const config = {
    'bootstrap.servers': broker.listeners.SSL,
    'security.protocol': 'SSL',
    'ssl.truststore.certificates': certs.read(certs.caCert),
    'ssl.truststore.type': 'PEM',
  } as const;
  const admin = new Admin(config);
  await admin.createTopics([{ name: 'big', numPartitions: 1 }]);
  await admin.close();
  const producer = new Producer({ ...config, 'linger.ms': 20 });
  // 48 records of 100 KiB, each with its own fill: 4.7 MiB, which a Fetch of up to 50 MiB brings at once.
  const values = Array.from({ length: 48 }, (_, i) => Buffer.alloc(100 * 1024, i + 1));
  await Promise.all(values.map((value) => producer.send({ topic: 'big', value })));
  await producer.close();
  const consumer = new Consumer({ ...config, 'group.id': 'big-reader', 'auto.offset.reset': 'earliest' });
  await consumer.subscribe(['big']);
  // The connection to the partition's leader (node 1), which the fetches use.
  const conn = await consumer.cluster.connectionTo(1);
  const dataEvents = countDataEvents((conn as unknown as { socket: Socket }).socket);
  const got: Buffer[] = [];
  for await (const r of consumer) {
    got.push(r.value as Buffer);
    if (got.length === values.length) break;
  }
  assert.equal(await consumer.cluster.connectionTo(1), conn, 'the fetches went over the watched connection');
  await consumer.close();
  assert.equal(got.length, values.length);
  for (let i = 0; i < values.length; i++) assert.ok(got[i].equals(values[i]), `record ${i} differs`);
  assert.equal(dataEvents(), 0, "the consumer's TLS socket emitted 'data' chunks");
});
