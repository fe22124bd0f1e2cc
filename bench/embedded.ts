// npm run bench:embedded — the embedded broker as a test suite meets it:
//   1. start-up: from `startBroker()` to the first acknowledged produce (Samsa's client over loopback,
//      and the in-process `broker.produce`), cold (the first broker of a fresh process, which has
//      imported 'samsa') and warm (later brokers of the same process);
//   2. reset(): after each round of a test's worth of state (three topics, records, a group with
//      committed offsets) — what a `beforeEach(() => broker.reset())` costs;
//   3. memory: RSS and heap of an idle broker above the test process that imported 'samsa'.
// Cold figures come from fresh child processes; the machine is shared, so figures vary run to run.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SAMPLES_COLD = Number(process.env.SAMSA_BENCH_COLD ?? 5);
const SAMPLES_WARM = Number(process.env.SAMSA_BENCH_WARM ?? 20);
const RESETS = Number(process.env.SAMSA_BENCH_RESETS ?? 50);
const self = fileURLToPath(import.meta.url);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

const ms = (x: number) => `${x.toFixed(1)} ms`;
const mb = (x: number) => `${(x / 1024 / 1024).toFixed(1)} MB`;

/** Runs this file in a fresh process in `mode`; resolves with the JSON it prints. */
function child<T>(mode: string, nodeArgs: string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [...nodeArgs, self, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    c.once('exit', (code) => {
      if (code !== 0) reject(new Error(`${mode} exited with ${code}: ${out}`));
      else resolve(JSON.parse(out.trim().split('\n').pop() as string) as T);
    });
  });
}

interface StartupSample {
  importClientMs: number;
  importBrokerMs: number;
  inProcessProduceMs: number;
  clientProduceMs: number;
}

/**
 * One fresh process: import 'samsa' (the client) and 'samsa/embedded' (the broker code, which the
 * root's startBroker would otherwise load on its first call); then the process's first broker, from
 * startBroker() to its first in-process produce acknowledged; then a second broker, from startBroker()
 * to the first send of Samsa's client acknowledged (the client's first request of the process).
 */
async function startupChild(): Promise<StartupSample> {
  const t0 = performance.now();
  const samsa = await import('samsa');
  const t1 = performance.now();
  const embedded = await import('samsa/embedded');
  const t2 = performance.now();
  const broker = await embedded.startBroker();
  await broker.produce('first', 'hello');
  const inProcessProduceMs = performance.now() - t2;
  await broker.stop();
  const t3 = performance.now();
  const second = await embedded.startBroker();
  const producer = new samsa.Producer({ bootstrapServers: second.bootstrapServers });
  await producer.send({ topic: 'first', value: 'hello' });
  const clientProduceMs = performance.now() - t3;
  await producer.close();
  await second.stop();
  return { importClientMs: t1 - t0, importBrokerMs: t2 - t1, inProcessProduceMs, clientProduceMs };
}

/** One process: warm start-ups, then resets after a test's worth of state each. */
async function warmChild(): Promise<{ clientMs: number[]; inProcessMs: number[]; resetMs: number[] }> {
  const samsa = await import('samsa');
  const clientMs: number[] = [];
  const inProcessMs: number[] = [];
  for (let i = 0; i < SAMPLES_WARM + 2; i++) {
    const t = performance.now();
    const broker = await samsa.startBroker();
    const producer = new samsa.Producer({ bootstrapServers: broker.bootstrapServers });
    await producer.send({ topic: 'first', value: 'hello' });
    const took = performance.now() - t;
    await producer.close();
    await broker.stop();
    const t2 = performance.now();
    const other = await samsa.startBroker();
    await other.produce('first', 'hello');
    const took2 = performance.now() - t2;
    await other.stop();
    if (i >= 2) {
      clientMs.push(took);
      inProcessMs.push(took2);
    }
  }
  // A test's worth of state before each reset: a topic created, records seeded, a topic auto-created
  // by a client's send, a group's commit. Clients are closed before the reset, as a test's afterEach
  // would (clients kept across a reset recover on their own, after their retry backoff).
  const broker = await samsa.startBroker({ topics: { orders: 3 } });
  const resetMs: number[] = [];
  for (let i = 0; i < RESETS + 3; i++) {
    await broker.createTopic('payments', { partitions: 2 });
    await broker.produce(
      'orders',
      Array.from({ length: 100 }, (_, n) => ({ key: `k${n}`, value: `order-${n}` })),
    );
    const producer = new samsa.Producer({ bootstrapServers: broker.bootstrapServers, lingerMs: 1 });
    await producer.send({ topic: 'auto-created', value: 'x' });
    await producer.close();
    const consumer = new samsa.Consumer({
      bootstrapServers: broker.bootstrapServers,
      groupId: 'bench-group',
    });
    await consumer.commit([{ topic: 'orders', partition: 0, offset: 10 }]);
    await consumer.close();
    const t = performance.now();
    await broker.reset();
    if (i >= 3) resetMs.push(performance.now() - t);
  }
  await broker.stop();
  return { clientMs, inProcessMs, resetMs };
}

/** One process (with --expose-gc): memory before and after an idle broker with a topic and a group. */
async function memoryChild(): Promise<Record<string, number>> {
  const gc = (globalThis as { gc?: () => void }).gc as () => void;
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const samsa = await import('samsa');
  await settle();
  const before = process.memoryUsage();
  const broker = await samsa.startBroker({ topics: { orders: 3 } });
  await broker.produce(
    'orders',
    Array.from({ length: 1000 }, (_, n) => ({ key: `k${n}`, value: `order-${n}` })),
  );
  const consumer = new samsa.Consumer({ bootstrapServers: broker.bootstrapServers, groupId: 'idle-group' });
  consumer.assign([{ topic: 'orders', partition: 0 }]);
  await consumer.commit([{ topic: 'orders', partition: 0, offset: 10 }]);
  await consumer.close();
  await new Promise((r) => setTimeout(r, 1000));
  await settle();
  const idle = process.memoryUsage();
  const second = await samsa.startBroker({ topics: { orders: 3 } });
  await second.produce('orders', 'x');
  await settle();
  const two = process.memoryUsage();
  await second.stop();
  await broker.stop();
  return {
    rssBefore: before.rss,
    rssDelta: idle.rss - before.rss,
    heapDelta: idle.heapUsed - before.heapUsed,
    externalDelta: idle.external + idle.arrayBuffers - (before.external + before.arrayBuffers),
    secondRssDelta: two.rss - idle.rss,
  };
}

async function main(): Promise<void> {
  const mode = process.argv[2];
  if (mode === 'startup') return void console.log(JSON.stringify(await startupChild()));
  if (mode === 'warm') return void console.log(JSON.stringify(await warmChild()));
  if (mode === 'memory') return void console.log(JSON.stringify(await memoryChild()));

  console.log(
    `bench:embedded — node ${process.version}, ${SAMPLES_COLD} fresh processes, ${SAMPLES_WARM} warm start-ups, ${RESETS} resets`,
  );
  const cold: StartupSample[] = [];
  for (let i = 0; i < SAMPLES_COLD; i++) cold.push(await child<StartupSample>('startup'));
  const warm = await child<{ clientMs: number[]; inProcessMs: number[]; resetMs: number[] }>('warm');
  const memory = await child<Record<string, number>>('memory', ['--expose-gc']);

  const col = (label: string, value: string, note = '') =>
    console.log(`  ${label.padEnd(58)} ${value.padStart(10)}  ${note}`);
  const range = (xs: number[]) => `min ${ms(Math.min(...xs))}, max ${ms(Math.max(...xs))}`;
  const coldInProcess = cold.map((c) => c.inProcessProduceMs);
  const coldClient = cold.map((c) => c.clientProduceMs);
  console.log('\nstartBroker() to the first acknowledged produce (target < 50 ms), medians');
  col(
    'first broker of a fresh process: broker.produce (in-process)',
    ms(median(coldInProcess)),
    range(coldInProcess),
  );
  col(
    "second broker: Samsa client's first Producer.send (loopback)",
    ms(median(coldClient)),
    range(coldClient),
  );
  col(
    'warm: broker.produce (in-process)',
    ms(median(warm.inProcessMs)),
    `p90 ${ms(percentile(warm.inProcessMs, 90))}`,
  );
  col(
    'warm: Samsa client Producer.send (loopback)',
    ms(median(warm.clientMs)),
    `p90 ${ms(percentile(warm.clientMs, 90))}`,
  );
  console.log('  loading the code, once per process (not counted above):');
  col("  import('samsa'), the client", ms(median(cold.map((c) => c.importClientMs))));
  col("  import('samsa/embedded'), the broker", ms(median(cold.map((c) => c.importBrokerMs))));
  console.log(
    '\nreset() after 3 topics, 100 records, an auto-created topic and a group commit (target < 10 ms)',
  );
  col('median', ms(median(warm.resetMs)));
  col('p90', ms(percentile(warm.resetMs, 90)));
  col('max', ms(Math.max(...warm.resetMs)));
  console.log(
    '\nmemory of an idle broker (orders: 3 partitions, 1000 records, a group) above the process that imported samsa (target < 30 MB)',
  );
  col('RSS', mb(memory.rssDelta), `process RSS before the broker: ${mb(memory.rssBefore)}`);
  col('JS heap used', mb(memory.heapDelta));
  col('external + array buffers', mb(memory.externalDelta));
  col('a second broker, RSS', mb(memory.secondRssDelta));
}

await main();
