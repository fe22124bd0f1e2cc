import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { createServer as createTlsServer, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { directReadsEnabled, readInto } from '../../../src/broker/server/socket-reads.js';
import { makeCerts } from '../../helpers/certs.js';

/** A server on 127.0.0.1:0 whose accepted socket is handed to `onSocket` in the 'connection' event. */
async function withServer(
  onSocket: (socket: Socket) => void,
  body: (client: Socket) => Promise<void>,
): Promise<void> {
  const server: Server = createServer((s) => onSocket(s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const client = connect(port, '127.0.0.1');
  await once(client, 'connect');
  try {
    await body(client);
  } finally {
    client.destroy();
    server.close();
  }
}

test('an accepted socket reads into the buffers given, in order, and pauses and resumes', {
  skip: directReadsEnabled ? false : 'SAMSA_SOCKET_READS=data',
}, async () => {
  const received: Buffer[] = [];
  let accepted: Socket | null = null;
  let direct = false;
  let closed: Promise<unknown> = Promise.resolve();
  const scratch = Buffer.alloc(1000);
  let targets = 0;
  let gotBytes = 0;
  let wake: (() => void) | null = null;
  await withServer(
    (socket) => {
      accepted = socket;
      closed = once(socket, 'close');
      direct = readInto(
        socket,
        () => {
          targets++;
          return scratch;
        },
        (n) => {
          received.push(Buffer.from(scratch.subarray(0, n)));
          gotBytes += n;
          wake?.();
        },
      );
    },
    async (client) => {
      const waitFor = async (bytes: number) => {
        while (gotBytes < bytes) await new Promise<void>((r) => (wake = r));
      };
      const payload = Buffer.alloc(300_000);
      for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) % 251;
      client.write(payload);
      await waitFor(payload.length);
      assert.ok(direct, 'readInto took the socket');
      assert.ok(Buffer.concat(received).equals(payload), 'every byte, in order');
      assert.ok(targets >= 300, `a target asked for before each read (${targets})`);
      const socket = accepted as unknown as Socket;
      assert.equal(socket.listenerCount('data'), 0);
      socket.pause();
      client.write(Buffer.alloc(10, 1));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(gotBytes, payload.length, 'nothing read while paused');
      socket.resume();
      await waitFor(payload.length + 10);
      client.end();
      await closed; // the peer's end is seen, and the socket closes, without a 'data' listener
    },
  );
});

test('a socket that is already read through data events is left alone', async () => {
  await withServer(
    (socket) => {
      socket.on('data', () => {});
      assert.equal(
        readInto(
          socket,
          () => Buffer.alloc(10),
          () => {},
        ),
        false,
      );
    },
    async (client) => {
      client.write('x');
      await new Promise((r) => setTimeout(r, 20));
    },
  );
});

test('an accepted TLS socket reads its decrypted bytes into the buffers given', {
  skip: directReadsEnabled ? false : 'SAMSA_SOCKET_READS=data',
}, async () => {
  const certs = makeCerts();
  const scratch = Buffer.alloc(1000);
  const received: Buffer[] = [];
  let direct = false;
  let gotBytes = 0;
  let wake: (() => void) | null = null;
  let accepted: () => void = () => {};
  let serverSide: TLSSocket | null = null;
  const acceptedNow = new Promise<void>((r) => (accepted = r));
  const server = createTlsServer(
    { key: certs.read(certs.brokerKey), cert: certs.read(certs.brokerCert) },
    (socket) => {
      serverSide = socket;
      direct = readInto(
        socket,
        () => scratch,
        (n) => {
          received.push(Buffer.from(scratch.subarray(0, n)));
          gotBytes += n;
          wake?.();
        },
      );
      accepted();
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const client = tlsConnect({
    port,
    host: '127.0.0.1',
    ca: certs.read(certs.caCert),
    servername: 'localhost',
  });
  try {
    await once(client, 'secureConnect');
    await acceptedNow;
    assert.ok(direct, 'readInto took the TLS socket once its handshake was done');
    const payload = Buffer.alloc(300_000);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) % 251;
    client.write(payload);
    const waitFor = async (bytes: number) => {
      while (gotBytes < bytes) await new Promise<void>((r) => (wake = r));
    };
    await waitFor(payload.length);
    assert.ok(Buffer.concat(received).equals(payload), 'every byte, decrypted, in order');
    // Paused (a throttled or busy connection), it reads nothing until resumed.
    const socket = serverSide as unknown as TLSSocket;
    socket.pause();
    client.write(Buffer.alloc(20_000, 1));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(gotBytes, payload.length, 'nothing read while paused');
    socket.resume();
    await waitFor(payload.length + 20_000);
  } finally {
    client.destroy();
    server.close();
    certs.remove();
  }
});
