// samsa mirror status [--url URL]: asks a running mirror (samsa mirror, connect-mirror-maker.sh) for
// its flows and prints, per flow, its state and latency, and per partition how far the copy is: the
// next source offset to copy, the end of the source partition, the lag in records and in ms.
import { CommandError, type ParsedArgs, UsageError } from '../args.js';
import { MIRROR_METRICS_PORT } from '../lib/mirror-runner.js';
import { type Command, type Context, printJson, table } from '../lib/samsa-common.js';
import { println } from '../tool.js';

interface PartitionStatus {
  topic: string;
  partition: number;
  remoteTopic: string;
  mirroredOffset: number | null;
  endOffset: number | null;
  lagRecords: number | null;
  lagMs: number | null;
  replicationLatencyMs: number | null;
  records: number;
}

interface FlowStatus {
  source: string;
  target: string;
  enabled: boolean;
  state: string;
  error: string | null;
  topics: number;
  partitions: PartitionStatus[];
  latencyMs: { p50: number; p99: number; max: number } | null;
  lastHeartbeatMs: number | null;
  groups: string[];
  checkpoints: number;
}

function statusUrl(text: string | undefined): string {
  const base = text ?? `http://localhost:${MIRROR_METRICS_PORT}`;
  const withScheme = /^[a-z]+:\/\//i.test(base) ? base : `http://${base}`;
  try {
    const u = new URL(withScheme);
    if (u.pathname === '/' || u.pathname === '') u.pathname = '/mirror/status';
    return u.toString();
  } catch {
    throw new UsageError(`--url '${base}' is not a URL or host:port`);
  }
}

const ms = (v: number | null) => (v === null ? '-' : `${Math.round(v)}`);

export const command: Command = {
  name: 'mirror status',
  summary: 'Show a running mirror: its flows, and the lag of each partition in records and milliseconds.',
  usage: 'mirror status [options]',
  specs: [
    {
      name: 'url',
      short: 'u',
      arg: 'required',
      argName: 'url',
      help: `The mirror's metrics endpoint (default http://localhost:${MIRROR_METRICS_PORT})`,
    },
    { name: 'all', short: 'a', help: 'Every partition (default: the first 50 of each flow)' },
  ],
  notes: ['--brokers and -X do not apply: the mirror answers at --url.'],
  examples: ['samsa mirror status', 'samsa mirror status --url localhost:19405 --json'],
  async run(args: ParsedArgs, ctx: Context): Promise<number> {
    const url = statusUrl(args.get('url'));
    let body: { flows: FlowStatus[] };
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(ctx.timeoutMs) });
      if (!res.ok) throw new CommandError(`${url} answered ${res.status}`);
      body = (await res.json()) as { flows: FlowStatus[] };
    } catch (err) {
      if (err instanceof CommandError) throw err;
      throw new CommandError(
        `no mirror answers at ${url} (${(err as Error).message}); is it running, with --metrics-port?`,
      );
    }
    if (ctx.json) {
      printJson(body);
      return 0;
    }
    const now = Date.now();
    const flows = body.flows.filter((f) => f.enabled);
    println(
      table(
        ['FLOW', 'STATE', 'TOPICS', 'PARTITIONS', 'LAG', 'LATENCY-P50', 'LATENCY-P99', 'HEARTBEAT', 'GROUPS'],
        flows.map((f) => [
          `${f.source}->${f.target}`,
          f.error && f.state !== 'running' ? `${f.state} (${f.error})` : f.state,
          f.topics,
          f.partitions.length,
          f.partitions.reduce((a, p) => a + (p.lagRecords ?? 0), 0),
          f.latencyMs ? `${ms(f.latencyMs.p50)} ms` : '-',
          f.latencyMs ? `${ms(f.latencyMs.p99)} ms` : '-',
          f.lastHeartbeatMs === null ? '-' : `${((now - f.lastHeartbeatMs) / 1000).toFixed(1)} s ago`,
          f.groups.length,
        ]),
      ),
    );
    for (const f of flows) {
      const rows = args.has('all') ? f.partitions : f.partitions.slice(0, 50);
      println();
      println(
        table(
          ['TOPIC', 'PARTITION', 'REMOTE-TOPIC', 'MIRRORED', 'END', 'LAG', 'LAG-MS', 'LATENCY-MS', 'RECORDS'],
          rows.map((p) => [
            p.topic,
            p.partition,
            p.remoteTopic,
            p.mirroredOffset,
            p.endOffset,
            p.lagRecords,
            ms(p.lagMs),
            ms(p.replicationLatencyMs),
            p.records,
          ]),
        ),
      );
      if (rows.length < f.partitions.length) println(`... ${f.partitions.length - rows.length} more (--all)`);
    }
    return 0;
  },
};
