// One chaos run: start the nodes behind the proxy (or use --bootstrap), create the topic, start the
// workload's clients, run the seed's fault schedule, heal, wait for recovery, stop the clients, drain
// every partition with two independent readers (Samsa's consumer and kcat), fetch the committed
// offsets, then check the merged history and write the report. A failing run keeps its history, its
// schedule, the node and worker logs and the data dirs, with the command that replays it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Admin } from '../../src/client/index.js';
import { type CheckResult, checkHistory } from './checker.js';
import { track } from './children.js';
import { explainDuplicates } from './evidence.js';
import { FaultRunner } from './faults.js';
import {
  type CommittedEvent,
  type DrainEndEvent,
  HistoryWriter,
  type LayoutEvent,
  type MetaEvent,
  type PhaseEvent,
  type ReadEvent,
  type RunConfig,
  readHistoryDir,
  toJsonLines,
} from './history.js';
import { type ClusterLayout, describeLayout, layoutMismatches, leaderElections } from './layout.js';
import { LabCluster } from './nodes.js';
import { FaultNet } from './proxy.js';
import { writeReport } from './report-html.js';
import { buildSchedule, type FaultKind, type ScheduledFault } from './schedule.js';
import type { ClientKind } from './worker.js';
import { WORKLOAD_TABLE, WorkerPool, type WorkloadName } from './workloads.js';

export interface RunOptions {
  seed: number;
  nodes: number;
  durationMs: number;
  faults: FaultKind[];
  workload: WorkloadName;
  partitions: number;
  /** Values per second per producer. */
  rate: number;
  clients: ClientKind[];
  outDir: string;
  bootstrap: string | null;
  unsafe: string | null;
  brokerConfig: string[];
  concurrency: number;
  diskMb: number;
  /** Keep the history, logs and data of a passing run too. */
  keep: boolean;
  /** The command line that replays this run (for the report). */
  replay: string;
}

export interface RunOutcome {
  seed: number;
  ok: boolean;
  check: CheckResult;
  /** Lab-level problems: a node that crashed on its own or did not come back, a stuck client. */
  problems: string[];
  faults: ScheduledFault[];
  /** Leader elections of the topic's partitions from its creation to the heal (leader epochs' rise). */
  leaderElections: number | null;
  /** Faults that ran (skipped ones hit a node another fault held; late ones fell after the end). */
  faultsRun: number;
  skippedFaults: number;
  runDir: string;
  report: string;
  elapsedMs: number;
  loadAvg: number[];
}

const RECOVERY_TIMEOUT_MS = 60_000;
const CATCH_UP_TIMEOUT_MS = 30_000;
const DRAIN_TIMEOUT_MS = 60_000;

function phase(h: HistoryWriter, name: PhaseEvent['name']): void {
  h.record<PhaseEvent>({ type: 'phase', name });
}

/** Waits until every partition has a leader that answers ListOffsets; returns the end offsets. */
async function endOffsets(
  admin: Admin,
  topic: string,
  partitions: number,
  timeoutMs: number,
): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      const listed = await admin.listOffsets(
        Array.from({ length: partitions }, (_, partition) => ({ topic, partition, at: 'latest' as const })),
        { timeoutMs: 5000 },
      );
      return listed.map((l) => l.offset);
    } catch (err) {
      last = err;
      await sleep(250);
    }
  }
  throw new Error(
    `the cluster did not answer ListOffsets for every partition in ${timeoutMs} ms: ${String(last)}`,
  );
}

/** Lets the group read what is left: until its committed offsets reach the end offsets, or a timeout. */
async function waitCaughtUp(admin: Admin, group: string, topic: string, ends: number[]): Promise<boolean> {
  const deadline = Date.now() + CATCH_UP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      const committed = await admin.listGroupOffsets(group);
      const at = new Map(committed.filter((c) => c.topic === topic).map((c) => [c.partition, c.offset]));
      if (ends.every((end, p) => end === 0 || (at.get(p) ?? -1) >= end)) return true;
    } catch {}
    await sleep(300);
  }
  return false;
}

/** kcat (librdkafka) reads every partition from the start to the end; its records go to the history. */
async function kcatDrain(
  bootstrap: string,
  topic: string,
  ends: number[],
  historyDir: string,
): Promise<void> {
  const h = new HistoryWriter(join(historyDir, 'drain-kcat.jsonl'), 'drain-kcat');
  const args = ['-b', bootstrap.split(',')[0], '-C', '-t', topic, '-o', 'beginning', '-e', '-q'];
  args.push(
    '-f',
    '%p %o %s\\n',
    '-X',
    'fetch.wait.max.ms=100',
    '-X',
    'topic.metadata.refresh.interval.ms=1000',
  );
  const last = new Map<number, number>();
  let stderr = '';
  let buffered = '';
  const code = await new Promise<number | string>((resolve) => {
    const child = track(spawn('kcat', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    const timer = setTimeout(() => child.kill('SIGKILL'), DRAIN_TIMEOUT_MS);
    child.stdout?.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^(\d+) (\d+) (.*)$/.exec(line);
        if (!m) continue;
        const [p, o] = [Number(m[1]), Number(m[2])];
        h.record<ReadEvent>({ type: 'read', p, o, v: m[3] });
        last.set(p, Math.max(last.get(p) ?? -1, o));
      }
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    child.once('error', (e) => resolve(e.message));
    child.once('exit', (c, signal) => {
      clearTimeout(timer);
      resolve(signal ? `killed after ${DRAIN_TIMEOUT_MS} ms` : (c ?? -1));
    });
  });
  ends.forEach((end, p) => {
    const reached = (last.get(p) ?? -1) + 1;
    const complete = code === 0 && reached >= end;
    const detail = complete
      ? undefined
      : `kcat ${code === 0 ? 'exited 0' : `failed (${code})`} at offset ${reached} of ${end}${stderr ? `: ${stderr.trim().slice(-300)}` : ''}`;
    h.record<DrainEndEvent>({ type: 'drain-end', p, end, complete, detail });
  });
  h.close();
}

export async function runOnce(o: RunOptions): Promise<RunOutcome> {
  const started = Date.now();
  const runDir = join(o.outDir, `seed-${o.seed}`);
  rmSync(runDir, { recursive: true, force: true });
  const historyDir = join(runDir, 'history');
  mkdirSync(historyDir, { recursive: true });
  const dataDir = join(tmpdir(), `samsa-chaos-${process.pid}-${o.seed}`);
  rmSync(dataDir, { recursive: true, force: true });
  const lab = new HistoryWriter(join(historyDir, 'lab.jsonl'), 'lab');
  const workload = WORKLOAD_TABLE[o.workload];
  const external = o.bootstrap !== null;
  const topic = external ? `chaos-${o.seed}-${Date.now()}` : 'chaos';
  const group = external ? `${workload.group}-${o.seed}-${Date.now()}` : workload.group;
  const rf = external ? -1 : Math.min(3, o.nodes);
  const minIsr = Math.min(2, Math.max(1, o.nodes));
  const schedule = external
    ? []
    : buildSchedule({
        seed: o.seed,
        nodes: o.nodes,
        durationMs: o.durationMs,
        faults: o.faults,
        concurrency: o.concurrency,
      });
  writeFileSync(join(runDir, 'schedule.json'), `${JSON.stringify(schedule, null, 1)}\n`);
  const problems: string[] = [];
  const net = external ? null : new FaultNet();
  const cluster =
    net === null
      ? null
      : new LabCluster({
          nodes: o.nodes,
          runDir,
          dataDir,
          brokerConfig: o.brokerConfig,
          unsafe: o.unsafe,
          diskMb: o.faults.includes('disk') ? o.diskMb : 0,
          net,
          history: lab,
        });
  let pool: WorkerPool | null = null;
  let admin: Admin | null = null;
  let runner: FaultRunner | null = null;
  const layouts: { created: ClusterLayout | null; healed: ClusterLayout | null } = {
    created: null,
    healed: null,
  };
  const config: RunConfig = {
    seed: o.seed,
    workload: o.workload,
    topic,
    partitions: o.partitions,
    nodes: external ? 0 : o.nodes,
    replicationFactor: rf,
    minInsyncReplicas: minIsr,
    acks: -1,
    idempotence: true,
    fsyncEachWrite: o.brokerConfig.some((l) => /^(log\.)?flush\.messages=1$/.test(l)),
    faults: o.faults,
    durationMs: o.durationMs,
    unsafe: o.unsafe,
    bootstrap: o.bootstrap,
    clients: o.clients,
    startedAt: started,
  };
  try {
    phase(lab, 'setup');
    await cluster?.start();
    const bootstrap = o.bootstrap ?? (cluster as LabCluster).bootstrap;
    admin = new Admin({ 'bootstrap.servers': bootstrap, 'request.timeout.ms': 5000 });
    const created = await admin.createTopics(
      [
        {
          name: topic,
          numPartitions: o.partitions,
          replicationFactor: rf,
          configs: { 'min.insync.replicas': String(minIsr) },
        },
      ],
      { timeoutMs: 30_000 },
    );
    config.replicationFactor = created[0]?.replicationFactor ?? rf;
    lab.record<MetaEvent>({ type: 'meta', config });
    // The cluster as it says it is: the guarantees checked are about this configuration.
    await admin.waitForTopic(topic, 30_000).catch(() => {});
    layouts.created = await describeLayout(admin, topic, 10_000).catch((err: Error) => {
      if (!external) problems.push(`the cluster did not describe itself: ${err.message}`);
      return null;
    });
    if (layouts.created)
      lab.record<LayoutEvent>({ type: 'layout', when: 'created', layout: layouts.created });
    if (!external && layouts.created) {
      const wrong = layoutMismatches(layouts.created, {
        nodes: o.nodes,
        partitions: o.partitions,
        replicationFactor: rf,
        minInsyncReplicas: minIsr,
      });
      if (wrong.length > 0) problems.push(`the cluster is not the one asked for: ${wrong.join('; ')}`);
    }
    pool = new WorkerPool(
      runDir,
      historyDir,
      { bootstrap, topic, partitions: o.partitions, acks: -1, idempotence: true },
      net,
      lab,
    );
    phase(lab, 'workload');
    const workloadStart = Date.now();
    const end = new AbortController();
    const stopAt = setTimeout(() => end.abort(), o.durationMs);
    runner = cluster && net ? new FaultRunner(cluster, net, lab) : null;
    await Promise.all([
      workload.run({
        pool,
        clients: o.clients,
        rate: o.rate,
        seed: o.seed,
        durationMs: o.durationMs,
        group,
        signal: end.signal,
      }),
      runner?.run(schedule, workloadStart, end.signal, o.concurrency),
      new Promise((r) => end.signal.addEventListener('abort', r)),
    ]);
    clearTimeout(stopAt);
    phase(lab, 'heal');
    await runner?.healAll();
    problems.push(...(runner?.problems ?? []));
    await endOffsets(admin, topic, o.partitions, RECOVERY_TIMEOUT_MS);
    phase(lab, 'recovered');
    layouts.healed = await describeLayout(admin, topic, 10_000).catch(() => null);
    if (layouts.healed) lab.record<LayoutEvent>({ type: 'layout', when: 'healed', layout: layouts.healed });
    phase(lab, 'stop');
    await pool.stopAll('producer');
    const ends = await endOffsets(admin, topic, o.partitions, RECOVERY_TIMEOUT_MS);
    if (!(await waitCaughtUp(admin, group, topic, ends))) {
      problems.push(`the group ${group} did not catch up with the end offsets in ${CATCH_UP_TIMEOUT_MS} ms`);
    }
    await pool.stopAll();
    phase(lab, 'drain');
    const finalEnds = await endOffsets(admin, topic, o.partitions, RECOVERY_TIMEOUT_MS);
    const samsaDrain = pool.start({
      name: 'drain-samsa',
      role: 'drain',
      client: 'samsa',
      endOffsets: finalEnds,
      timeoutMs: DRAIN_TIMEOUT_MS,
    });
    await Promise.all([samsaDrain.exited, kcatDrain(bootstrap, topic, finalEnds, historyDir)]);
    const committed = await admin.listGroupOffsets(group).catch((err: Error) => {
      problems.push(`could not fetch the committed offsets of ${group}: ${err.message}`);
      return [];
    });
    for (const c of committed) {
      if (c.topic === topic)
        lab.record<CommittedEvent>({ type: 'committed', g: group, p: c.partition, o: c.offset });
    }
    for (const n of cluster?.nodes ?? []) {
      if (n.crashes > 0)
        problems.push(`${n.name} exited on its own ${n.crashes} time(s) (see nodes/${n.name}.log)`);
    }
    phase(lab, 'done');
  } catch (err) {
    problems.push(`the run stopped early: ${(err as Error).stack ?? String(err)}`);
  } finally {
    await pool?.killAll();
    await admin?.close().catch(() => {});
    await cluster?.close();
    await net?.close();
    lab.close();
  }
  const events = readHistoryDir(historyDir);
  for (const e of events) {
    // A client that broke its own promise (a send with no outcome long after delivery.timeout.ms).
    if (e.type === 'worker' && e.state === 'error' && e.detail?.startsWith('stuck:'))
      problems.push(`${e.w} ${e.detail}`);
  }
  const check = checkHistory(events, config);
  const ok = check.ok && problems.length === 0;
  // Who stored a duplicate twice, from the batch headers in the data dirs (when they are still there).
  if (cluster) {
    const names = cluster.nodes.map((n) => n.name);
    for (const [v, why] of explainDuplicates(check.violations, dataDir, names, topic))
      v.message += ` — ${why}`;
  }
  const outcome: RunOutcome = {
    seed: o.seed,
    ok,
    check,
    problems,
    faults: schedule,
    leaderElections:
      layouts.created && layouts.healed ? leaderElections(layouts.created, layouts.healed) : null,
    faultsRun: schedule.length - (runner?.skipped.length ?? 0) - (runner?.notRun.length ?? 0),
    skippedFaults: runner?.skipped.length ?? 0,
    runDir,
    report: join(runDir, 'report.html'),
    elapsedMs: Date.now() - started,
    loadAvg: (await import('node:os')).loadavg(),
  };
  writeReport(outcome.report, {
    layouts,
    leaderElections: outcome.leaderElections,
    events,
    config,
    check,
    problems,
    schedule,
    replay: o.replay,
    ok,
    connections: net ? { ...net.stats.identified } : undefined,
  });
  if (ok && !o.keep) {
    rmSync(historyDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
    for (const d of ['nodes', 'workers']) rmSync(join(runDir, d), { recursive: true, force: true });
  } else {
    rmSync(historyDir, { recursive: true, force: true });
    writeFileSync(join(runDir, 'history.jsonl'), toJsonLines(events));
    writeFileSync(join(runDir, 'replay.txt'), `${o.replay}\n`);
    if (existsSync(dataDir)) writeFileSync(join(runDir, 'data-dir.txt'), `${dataDir}\n`);
  }
  return outcome;
}
