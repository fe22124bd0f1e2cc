// The lab's fault proxy: it tells which process opened a connection, and applies stall, drop, delay
// and reset per directed pair of parties, healing cleanly.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FaultNet } from './proxy.js';

/** A TCP echo server standing in for a node. */
async function echoServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  return { server, port: typeof a === 'object' && a ? a.port : 0 };
}

/** Sends `text` and resolves with the echo, or 'TIMEOUT' / the error code. */
async function probe(socket: Socket, text: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const timer = setTimeout(() => done('TIMEOUT'), timeoutMs);
    const onData = (d: Buffer) => {
      got += d.toString();
      if (got.length >= text.length) done(got);
    };
    const onError = (e: NodeJS.ErrnoException) => done(e.code ?? 'ERROR');
    const onClose = () => done(got || 'CLOSED');
    const done = (r: string) => {
      clearTimeout(timer);
      socket.off('data', onData).off('error', onError).off('close', onClose);
      resolve(r);
    };
    socket.on('data', onData).on('error', onError).on('close', onClose);
    socket.write(text);
  });
}

async function open(port: number): Promise<Socket> {
  const s = connect({ host: '127.0.0.1', port });
  await once(s, 'connect');
  return s;
}

/** A child process that connects to `port`, sends a line and prints what comes back (it is party `n2`). */
function childClient(port: number): ChildProcess {
  const code = `const s=require('net').connect(${port},'127.0.0.1',()=>{setTimeout(()=>s.write('from-child'),300)});s.on('data',d=>{process.stdout.write(String(d));s.end()});s.on('error',e=>process.stdout.write('ERR:'+e.code));`;
  return spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
}

describe('chaos fault proxy', () => {
  let echo: { server: Server; port: number };
  let net: FaultNet;
  let port: number;

  before(async () => {
    echo = await echoServer();
    net = new FaultNet();
    port = await net.listen('n1', { host: '127.0.0.1', port: echo.port });
  });
  after(async () => {
    await net.close();
    echo.server.close();
  });

  test('passes bytes both ways and names an unknown opener lab', async () => {
    const s = await open(port);
    assert.equal(await probe(s, 'hello', 2000), 'hello');
    s.destroy();
    assert.ok((net.stats.identified.lab ?? 0) >= 1);
  });

  test('tells a registered process by the socket it opened, and cuts only its links', async () => {
    net.setFlow('n2', 'n1', { mode: 'drop' });
    const child = childClient(port);
    assert.ok(child.pid);
    net.processes.set('n2', child.pid);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    // The lab's own connection still passes while n2's bytes are dropped.
    const s = await open(port);
    assert.equal(await probe(s, 'lab-ok', 2000), 'lab-ok');
    // Wait until the child's bytes reached the proxy (and were dropped), however slow it starts.
    for (let waited = 0; !net.stats.dropped.n2 && waited < 20_000; waited += 50) await sleep(50);
    assert.ok(net.stats.dropped.n2 > 0, 'the child sent its line');
    await sleep(300);
    assert.equal(out, '', 'n2 got no echo while its bytes to n1 were dropped');
    assert.ok((net.stats.identified.n2 ?? 0) >= 1, JSON.stringify(net.stats.identified));
    // Healing resets the connection that lost bytes (its stream is corrupt), so the child sees it end.
    net.heal();
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
    assert.equal(out, 'ERR:ECONNRESET');
    net.processes.delete('n2');
    s.destroy();
  });

  test('a stall holds bytes and delivers them intact when healed', async () => {
    const s = await open(port);
    net.partition('lab', 'n1', 'stall');
    const pending = probe(s, 'held-then-delivered', 5000);
    await sleep(500);
    net.heal();
    assert.equal(await pending, 'held-then-delivered');
    s.destroy();
  });

  test('a one-way drop from n1 loses the replies but not the requests', async () => {
    const s = await open(port);
    net.setFlow('n1', 'lab', { mode: 'drop' });
    assert.equal(await probe(s, 'lost-reply', 600), 'TIMEOUT');
    net.heal();
    assert.ok(['ECONNRESET', 'CLOSED'].includes(await probe(s, 'x', 2000)));
  });

  test('a slow link delays each direction and keeps the order', async () => {
    const s = await open(port);
    net.setFlow('lab', 'n1', { delayMs: 150 });
    net.setFlow('n1', 'lab', { delayMs: 150 });
    const started = Date.now();
    assert.equal(await probe(s, 'slow-but-whole', 3000), 'slow-but-whole');
    assert.ok(Date.now() - started >= 290, `took ${Date.now() - started} ms`);
    net.heal();
    s.destroy();
  });

  test('resetBetween resets the open connections of a pair', async () => {
    const s = await open(port);
    assert.equal(await probe(s, 'a', 2000), 'a');
    assert.equal(net.resetBetween('lab', 'n1') >= 1, true);
    assert.ok(['ECONNRESET', 'CLOSED', 'EPIPE'].includes(await probe(s, 'b', 2000)));
  });
});
