// npm run bench:metrics — what metrics cost on the produce path, metrics on against metrics off in
// the same run. The broker runs in this process (on disk, as `samsa server start` runs it); a client
// process produces to it with requests pipelined, and scrapes /metrics every second while metrics are
// on (Prometheus usually scrapes every 15 s), with a consumer group committed on the topic so every
// scrape also computes lag. Rounds alternate between the two modes on the same broker:
//   off: what metrics.port=0 gives — no request timing, no process monitors, nobody scraping;
//   on:  request timing, the event-loop and GC monitors, a scrape every second.
// (The plain per-topic counters count in both modes.) Figures are medians over the rounds, with the
// broker's CPU time per request beside the throughput: on this shared machine throughput moves with
// the neighbours' load more than CPU per request does.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger } from '../src/broker/logger.js';
import { RequestStats } from '../src/broker/metrics/request-stats.js';
import { BrokerNode } from '../src/broker/node.js';
import { DEVELOPER_DEFAULTS, loadBrokerConfig } from '../src/config/index.js';
import type { ClientCommand, ClientReply } from './metrics-client.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROUND_MS = Number(process.env.SAMSA_BENCH_ROUND_MS ?? 1000);
const ROUNDS = Number(process.env.SAMSA_BENCH_ROUNDS ?? 12);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** What metrics add to one produce request, measured alone: a clock read and recording the request. */
function recordCostNs(): number {
  const stats = new RequestStats([0]);
  const response = {
    responses: [
      { name: 't', partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 0, recordErrors: [] }] },
    ],
  };
  const costs: number[] = [];
  for (let round = 0; round < 5; round++) {
    const n = 1_000_000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const nowMs = performance.now();
      stats.record(0, 9, null, response, nowMs - t0, nowMs);
    }
    costs.push(((performance.now() - t0) * 1e6) / n);
  }
  return median(costs);
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** 'again' is 'off' once more: how far two identical modes drift apart tells the noise of the run. */
type Mode = 'off' | 'on' | 'again';
const MODES: Mode[] = ['off', 'on', 'again'];

async function main(): Promise<void> {
  console.log(
    `bench:metrics (node ${process.version}; ${ROUNDS} rounds of ${ROUND_MS} ms per mode, in rotation; medians)\n`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'samsa-bench-metrics-'));
  const loaded = loadBrokerConfig({
    base: { ...DEVELOPER_DEFAULTS, listeners: 'PLAINTEXT://127.0.0.1:0', 'log.dirs': dir },
    env: {},
  });
  if (!loaded.ok) throw new Error(loaded.error);
  const node = await BrokerNode.start({
    config: loaded.config,
    clusterId: 'bench-metrics-cluster0',
    log: Logger.create({ level: 'warn' }),
    metrics: { port: 0, host: '127.0.0.1' },
  });
  const stats = node.registry.requestStats;
  const client = fork(join(here, 'metrics-client.js'), [], { stdio: 'inherit' });
  let pending: ((r: ClientReply) => void) | null = null;
  client.on('message', (r: ClientReply) => pending?.(r));
  const ask = (c: ClientCommand) =>
    new Promise<ClientReply>((resolve) => {
      pending = resolve;
      client.send(c);
    });
  const setMode = (mode: Mode) => {
    node.registry.requestStats = mode === 'on' ? stats : null;
    if (mode === 'on') node.metrics.process.start();
    else node.metrics.process.stop();
  };
  try {
    const metricsUrl = `http://127.0.0.1:${node.metricsAddress?.port}/metrics`;
    await ask({ kind: 'prepare', port: node.listeners[0].boundPort, metricsUrl });
    const scrapes: number[] = [];
    for (const w of [
      { label: 'one 100-byte record per request, 32 in flight', workload: 'small' as const },
      { label: '16 KiB batches (16 records of 1 KiB), 8 in flight', workload: 'batched' as const },
    ]) {
      const rates: Record<Mode, number[]> = { off: [], on: [], again: [] };
      const cpu: Record<Mode, number[]> = { off: [], on: [], again: [] };
      let bytes = 0;
      let records = 0;
      for (let round = -1; round < ROUNDS; round++) {
        // Rotate which mode goes first, so a drift in the machine's load hits all alike. Round -1 warms
        // up every path and is not counted.
        const first = (round + 3) % 3;
        const order = [...MODES.slice(first), ...MODES.slice(0, first)];
        for (const mode of order) {
          setMode(mode);
          const cpu0 = cpuMs();
          const r = await ask({ kind: 'flood', workload: w.workload, ms: ROUND_MS, scrape: mode === 'on' });
          const used = cpuMs() - cpu0;
          if (round < 0) continue;
          rates[mode].push(r.requests / (r.elapsedMs / 1000));
          cpu[mode].push((used * 1000) / r.requests);
          scrapes.push(...r.scrapeMs);
          bytes = r.batchBytes;
          records = r.records;
        }
      }
      const fmt = (perSec: number) =>
        `${((perSec * bytes) / 1e6).toFixed(1).padStart(6)} MB/s ${((perSec * records) / 1e3).toFixed(0).padStart(4)} K records/s`;
      const pct = (ratio: number) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;
      const compared = (a: Mode, b: Mode) =>
        `throughput ${pct(median(rates[a]) / median(rates[b]))} (medians), ` +
        `${pct(median(rates[a].map((r, i) => r / rates[b][i])))} (paired rounds); ` +
        `broker CPU per request ${pct(median(cpu[a]) / median(cpu[b]))}`;
      console.log(w.label);
      for (const mode of ['off', 'on'] as const)
        console.log(
          `  metrics ${mode.padEnd(3)}  ${fmt(median(rates[mode]))}  ${median(cpu[mode]).toFixed(2).padStart(6)} µs broker CPU per request`,
        );
      console.log(`  on vs off        ${compared('on', 'off')}`);
      console.log(`  off vs off again ${compared('again', 'off')}   <- the noise of this run`);
    }
    console.log(
      `\nper request, timing and recording it (in this process, no I/O): ${recordCostNs().toFixed(0)} ns`,
    );
    const size = (await (await fetch(metricsUrl)).text()).length;
    console.log(
      `scrapes while producing: ${scrapes.length}, median ${median(scrapes).toFixed(1)} ms, ` +
        `max ${Math.max(...scrapes).toFixed(1)} ms, ${(size / 1024).toFixed(1)} KiB of text`,
    );
  } finally {
    client.kill();
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
