#!/usr/bin/env node
// Captures request frames sent by real Kafka clients (kcat, kafka-python, kafkajs) to a Samsa broker,
// through a recording proxy, into test/fixtures/protocol/<client>/. test/protocol/fixtures.test.ts
// decodes each one and re-encodes it byte for byte. Run after `npm run build`:
//   node scripts/capture-fixtures.mjs [api-name ...]
// Needs kcat, /usr/bin/python3 with python3-kafka (and python3-lz4/-snappy/-zstandard for those
// codecs). Existing fixtures are kept; delete a file to capture it again.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const { FrameCutter } = await import(join(root, 'dist/src/protocol/frame-cutter.js'));
const { apiDecl, decodeRequest } = await import(join(root, 'dist/src/protocol/frame.js'));
const outDir = join(root, 'test/fixtures/protocol');
const manifestPath = join(outDir, 'manifest.json');
const manifest = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : {};
const wanted = new Set(process.argv.slice(2));

function brokerStart(proxyPort) {
  const dir = `/tmp/samsa-capture-${process.pid}`;
  // The broker advertises the proxy, so every connection a client opens goes through it.
  const args = [
    'server',
    'start',
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--data-dir',
    dir,
    '--override',
    `advertised.listeners=PLAINTEXT://127.0.0.1:${proxyPort}`,
    '--metrics-port',
    '0',
  ];
  const child = spawn(process.execPath, [join(root, 'dist/src/cli/samsa.js'), ...args], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return new Promise((res) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /ready on \w+:\/\/[^:]+:(\d+)/.exec(out);
      if (m) res({ child, port: Number(m[1]) });
    });
  });
}

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** The client being captured now. */
const current = { client: '', command: '', brokerPort: 0 };

/** A proxy that saves the first request frame of each (API, version, label) a client sends. */
function recordingProxy() {
  const server = createServer((c) => {
    const up = connect(current.brokerPort, '127.0.0.1');
    const cutter = new FrameCutter(1 << 30);
    c.on('data', (d) => {
      cutter.push(d);
      for (let r = cutter.next(); r.kind === 'frame'; r = cutter.next())
        save(current.client, current.command, r.frame);
      up.write(d);
    });
    up.on('data', (d) => c.write(d));
    for (const s of [c, up])
      s.on('error', () => {}).on('close', () => {
        c.destroy();
        up.destroy();
      });
  });
  return new Promise((res) => server.listen(0, '127.0.0.1', () => res(server)));
}

/** Produce frames are told apart by the compression of their first batch. */
function labelOf(apiKey, frame) {
  if (apiKey !== 0) return '';
  const records = decodeRequest(frame).body.topicData[0]?.partitionData[0]?.records;
  return records && records.length > 22 ? `-${CODECS[records.readInt16BE(21) & 7]}` : '';
}

function save(client, command, frame) {
  const apiKey = frame.readInt16BE(0);
  const version = frame.readInt16BE(2);
  const api = apiDecl(apiKey);
  if (!api || (wanted.size > 0 && !wanted.has(api.name))) return;
  const name = `${String(apiKey).padStart(2, '0')}-${api.name}-v${version}${labelOf(apiKey, frame)}.bin`;
  const file = join(outDir, client, name);
  if (existsSync(file)) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, frame);
  manifest[`${client}/${name}`] = {
    client,
    clientVersion: versions[client],
    api: api.name,
    version,
    capturedWith: command,
    capturedOn: new Date().toISOString().slice(0, 10),
  };
  console.log(`captured ${client}/${name}`);
}

const versions = {
  kcat: execFileSync('kcat', ['-V']).toString().split('\n')[0].trim(),
  'kafka-python': execFileSync('/usr/bin/python3', ['-c', 'import kafka; print(kafka.__version__)'])
    .toString()
    .trim(),
  kafkajs: JSON.parse(readFileSync(join(root, 'node_modules/kafkajs/package.json'), 'utf8')).version,
};

function run(cmd, args, input) {
  return new Promise((res) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'inherit'] });
    p.stdin.end(input ?? '');
    const t = setTimeout(() => p.kill('SIGKILL'), 30000);
    p.on('exit', () => {
      clearTimeout(t);
      res();
    });
  });
}

const proxy = await recordingProxy();
const proxyPort = proxy.address().port;

async function withProxy(_port, client, command, fn) {
  current.client = client;
  current.command = command;
  await fn(`127.0.0.1:${proxyPort}`);
}

const { child, port } = await brokerStart(proxyPort);
current.brokerPort = port;
try {
  for (const codec of CODECS) {
    // Compressible input: librdkafka sends a batch uncompressed when compression would not shrink it.
    const input = Array.from({ length: 20 }, (_, i) => `k${i}:value value value value ${i}`).join('\n');
    const cmd = `20 lines 'kN:value value value value N' | kcat -b HOST -P -t fx-kcat -K : -z ${codec}`;
    await withProxy(port, 'kcat', cmd, (b) =>
      run('kcat', ['-b', b, '-P', '-t', 'fx-kcat', '-K', ':', '-z', codec], `${input}\n`),
    );
  }
  await withProxy(port, 'kcat', 'kcat -b HOST -L', (b) => run('kcat', ['-b', b, '-L']));
  await withProxy(port, 'kcat', 'kcat -b HOST -C -t fx-kcat -o beginning -e', (b) =>
    run('kcat', ['-b', b, '-C', '-t', 'fx-kcat', '-o', 'beginning', '-e']),
  );
  await withProxy(port, 'kcat', 'kcat -b HOST -G fx-group fx-kcat -e', (b) =>
    run('kcat', ['-b', b, '-G', 'fx-group', 'fx-kcat', '-e', '-X', 'auto.offset.reset=earliest']),
  );
  const py = `
import sys
from kafka import KafkaProducer, KafkaConsumer
for codec in [None, 'gzip', 'snappy', 'lz4', 'zstd']:
    try:
        p = KafkaProducer(bootstrap_servers=sys.argv[1], compression_type=codec)
    except Exception as e:
        print('no', codec, e, file=sys.stderr)
        continue
    for i in range(20):
        p.send('fx-py', key=b'k', value=b'value value value value value')
    p.flush(10)
    p.close()
c = KafkaConsumer('fx-py', bootstrap_servers=sys.argv[1], group_id='fx-py-group', auto_offset_reset='earliest', consumer_timeout_ms=3000)
for m in c:
    pass
c.commit()
c.close()
`;
  await withProxy(
    port,
    'kafka-python',
    'kafka-python: KafkaProducer (each compression_type) and a KafkaConsumer in a group',
    (b) => run('/usr/bin/python3', ['-c', py, b]),
  );
  const js = `
const { Kafka, CompressionTypes, CompressionCodecs, logLevel } = require('kafkajs');
(async () => {
  // kafkajs ships gzip only and takes plugins for the rest; the plugins here are Samsa's codecs.
  const { compress, decompress } = await import(process.argv[2]);
  for (const [type, codec] of [[CompressionTypes.Snappy, 2], [CompressionTypes.LZ4, 3], [CompressionTypes.ZSTD, 4]]) {
    CompressionCodecs[type] = () => ({ compress: (e) => compress(codec, e.buffer), decompress: (b) => decompress(codec, b, 1 << 26) });
  }
  const kafka = new Kafka({ clientId: 'fx', brokers: [process.argv[1]], logLevel: logLevel.NOTHING });
  const p = kafka.producer(); await p.connect();
  const messages = Array.from({ length: 20 }, () => ({ key: 'k', value: 'value value value value value' }));
  for (const c of [CompressionTypes.None, CompressionTypes.GZIP, CompressionTypes.Snappy, CompressionTypes.LZ4, CompressionTypes.ZSTD]) await p.send({ topic: 'fx-js', compression: c, messages });
  await p.disconnect();
  const c = kafka.consumer({ groupId: 'fx-js-group' }); await c.connect();
  await c.subscribe({ topic: 'fx-js', fromBeginning: true });
  let n = 0; await new Promise((res) => { c.run({ eachMessage: async () => { if (++n === 100) res(); } }); setTimeout(res, 8000); });
  await c.disconnect();
})().catch(() => process.exit(1));
`;
  const codecs = join(root, 'dist/src/protocol/records/compression.js');
  const what =
    "kafkajs: producer (None, GZIP, and Snappy, LZ4, ZSTD through codec plugins backed by Samsa's codecs) and a consumer in a group";
  await withProxy(port, 'kafkajs', what, (b) => run(process.execPath, ['-e', js, b, codecs]));
} finally {
  proxy.close();
  child.kill('SIGTERM');
  writeFileSync(
    manifestPath,
    `${JSON.stringify(Object.fromEntries(Object.entries(manifest).sort()), null, 2)}\n`,
  );
}
