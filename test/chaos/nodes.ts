// The nodes of a lab cluster: real `kafka-server-start` processes on loopback, each with its own data
// dir and a server.properties in Kafka's KRaft terms (process.roles=broker,controller, node.id,
// controller.quorum.voters, listeners, advertised.listeners, controller.listener.names). Every port a
// peer or a client uses is a port of the lab's proxy: the voters and the advertised listeners name
// proxy ports, and the proxy forwards to the node's real listeners. The lab kills (SIGKILL), stops
// (SIGTERM), pauses (SIGSTOP/SIGCONT) and restarts them.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts } from '../helpers/cluster-process.js';
import { heapOpts, repoRoot } from '../helpers/paths.js';
import { track } from './children.js';
import { SmallDisk } from './disk.js';
import type { HistoryWriter, NodeEvent } from './history.js';
import type { FaultNet } from './proxy.js';

const READY_RE = /ready on \w+:\/\/[^:\s]+:(\d+)/;
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

export interface ClusterOptions {
  nodes: number;
  /** Where configs and node logs go (kept with a failing run). */
  runDir: string;
  /** Where data dirs go. */
  dataDir: string;
  /** Extra server.properties lines (`key=value`). */
  brokerConfig: string[];
  /** SAMSA_CHAOS_UNSAFE for the brokers (the lab's deliberately broken settings). */
  unsafe: string | null;
  /** Give each node a small disk of this many MiB the lab can fill (disk faults); 0: the plain dir. */
  diskMb: number;
  net: FaultNet;
  history: HistoryWriter;
}

export class LabNode {
  child: ChildProcess | null = null;
  state: 'down' | 'starting' | 'up' | 'paused' = 'down';
  disk: SmallDisk | null = null;
  clientPort = 0;
  controllerPort = 0;
  proxyClientPort = 0;
  proxyControllerPort = 0;
  private log: WriteStream | null = null;
  private exited: Promise<void> = Promise.resolve();
  /** Set while the lab itself ends the process, so its exit is not reported as a crash. */
  private ending = false;
  crashes = 0;

  constructor(
    readonly id: number,
    readonly cluster: LabCluster,
  ) {}

  get name(): string {
    return `n${this.id}`;
  }

  get configPath(): string {
    return join(this.cluster.options.runDir, 'nodes', `${this.name}.properties`);
  }

  get dataDir(): string {
    return join(this.cluster.options.dataDir, this.name);
  }

  private event(state: NodeEvent['state'], detail?: string): void {
    this.cluster.options.history.record<NodeEvent>({ type: 'node', node: this.id, state, detail });
  }

  writeConfig(): void {
    const c = this.cluster;
    const n = c.nodes.length;
    const voters = c.nodes.map((x) => `${x.id}@127.0.0.1:${x.proxyControllerPort}`).join(',');
    const lines = [
      '# Written by the chaos lab: every address a peer or client uses is a port of the lab proxy.',
      'process.roles=broker,controller',
      `node.id=${this.id}`,
      `controller.quorum.voters=${voters}`,
      `listeners=PLAINTEXT://127.0.0.1:${this.clientPort},CONTROLLER://127.0.0.1:${this.controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${this.proxyClientPort},CONTROLLER://127.0.0.1:${this.proxyControllerPort}`,
      'inter.broker.listener.name=PLAINTEXT',
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      `log.dirs=${this.dataDir}`,
      'metrics.port=0',
      `default.replication.factor=${Math.min(3, n)}`,
      `min.insync.replicas=${Math.min(2, n)}`,
      `offsets.topic.replication.factor=${Math.min(3, n)}`,
      `transaction.state.log.replication.factor=${Math.min(3, n)}`,
      `transaction.state.log.min.isr=${Math.min(2, n)}`,
      'unclean.leader.election.enable=false',
      'auto.create.topics.enable=false',
      'group.initial.rebalance.delay.ms=0',
      ...c.options.brokerConfig,
    ];
    writeFileSync(this.configPath, `${lines.join('\n')}\n`);
  }

  /** The command that runs `bin` of the project with `args` (inside the node's small disk, if any). */
  private command(bin: string, args: string[]): { command: string; args: string[] } {
    const plain = {
      command: process.execPath,
      args: [...heapOpts(), join(repoRoot, 'dist', 'bin', bin), ...args],
    };
    return this.disk ? this.disk.wrap(plain.command, plain.args) : plain;
  }

  async prepare(clusterId: string): Promise<void> {
    if (this.cluster.options.diskMb > 0) {
      this.disk = await SmallDisk.create(this.dataDir, this.cluster.options.diskMb);
    } else mkdirSync(this.dataDir, { recursive: true });
    // Picked together, so the two listeners never get the same port (seen once in a smoke run).
    [this.clientPort, this.controllerPort] = await freePorts(2);
    const net = this.cluster.options.net;
    this.proxyClientPort = await net.listen(this.name, { host: '127.0.0.1', port: this.clientPort });
    this.proxyControllerPort = await net.listen(this.name, { host: '127.0.0.1', port: this.controllerPort });
    this.clusterId = clusterId;
  }

  private clusterId = '';

  format(): void {
    const { command, args } = this.command('kafka-storage.mjs', [
      'format',
      '-t',
      this.clusterId,
      '-c',
      this.configPath,
    ]);
    execFileSync(command, args, { stdio: 'pipe' });
  }

  /** Starts the process and waits for its ready line; a port taken meanwhile is replaced and retried. */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const result = await this.spawnOnce();
      if (result === 'ready') return;
      if (attempt >= 3 || !/EADDRINUSE|address already in use|port \d+ is already in use/i.test(result)) {
        throw new Error(`node ${this.id} did not start: ${result}`);
      }
      [this.clientPort, this.controllerPort] = await freePorts(2);
      const net = this.cluster.options.net;
      net.retarget(this.proxyClientPort, { host: '127.0.0.1', port: this.clientPort });
      net.retarget(this.proxyControllerPort, { host: '127.0.0.1', port: this.controllerPort });
      this.writeConfig();
    }
  }

  private spawnOnce(): Promise<'ready' | string> {
    const { command, args } = this.command('kafka-server-start.mjs', [this.configPath]);
    const env = { ...process.env };
    delete env.SAMSA_CHAOS_UNSAFE;
    if (this.cluster.options.unsafe) env.SAMSA_CHAOS_UNSAFE = this.cluster.options.unsafe;
    this.log ??= createWriteStream(join(this.cluster.options.runDir, 'nodes', `${this.name}.log`), {
      flags: 'a',
    });
    this.log.write(`\n=== lab: starting ${this.name} at ${new Date().toISOString()}\n`);
    const child = track(spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] }));
    this.child = child;
    this.state = 'starting';
    this.ending = false;
    if (child.pid) this.cluster.options.net.processes.set(this.name, child.pid);
    this.event('started', `pid ${child.pid}`);
    let output = '';
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.log?.write(`=== lab: ${this.name} exited (${signal ?? code})\n`);
        if (this.child === child) {
          this.child = null;
          this.state = 'down';
          this.cluster.options.net.processes.delete(this.name);
        }
        if (!this.ending) {
          this.crashes++;
          this.event('exited', `on its own: ${signal ?? `code ${code}`}`);
        }
        resolve();
      }),
    );
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(`no ready line in ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
      const onData = (d: Buffer) => {
        this.log?.write(d);
        if (this.state !== 'starting') return;
        output = (output + d.toString()).slice(-8192);
        if (READY_RE.test(output)) {
          clearTimeout(timer);
          this.state = 'up';
          this.event('ready');
          resolve('ready');
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(
          `exited with ${code} before it was ready: ${output.trim().split('\n').slice(-3).join(' | ')}`,
        );
      });
    });
  }

  /** SIGKILL, and wait until the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.ending = true;
    child.kill('SIGKILL');
    await this.exited;
    this.event('killed');
  }

  /** SIGTERM (a clean shutdown), SIGKILL after STOP_TIMEOUT_MS. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.ending = true;
    if (this.state === 'paused') this.resume();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
    this.event('stopped');
  }

  pause(): void {
    if (!this.child || this.state !== 'up') return;
    this.child.kill('SIGSTOP');
    this.state = 'paused';
    this.event('paused');
  }

  resume(): void {
    if (!this.child || this.state !== 'paused') return;
    this.child.kill('SIGCONT');
    this.state = 'up';
    this.event('resumed');
  }

  async close(): Promise<void> {
    await this.kill();
    await this.disk?.close();
    await new Promise<void>((r) => (this.log ? this.log.end(() => r()) : r()));
    this.log = null;
  }
}

/** N nodes behind the lab's proxy. */
export class LabCluster {
  readonly nodes: LabNode[];

  constructor(readonly options: ClusterOptions) {
    this.nodes = Array.from({ length: options.nodes }, (_, i) => new LabNode(i + 1, this));
  }

  /** Clients' bootstrap list: every node's proxied client port. */
  get bootstrap(): string {
    return this.nodes.map((n) => `127.0.0.1:${n.proxyClientPort}`).join(',');
  }

  node(name: string): LabNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  async start(): Promise<void> {
    mkdirSync(join(this.options.runDir, 'nodes'), { recursive: true });
    const clusterId = execFileSync(process.execPath, [
      join(repoRoot, 'dist', 'bin', 'kafka-storage.mjs'),
      'random-uuid',
    ])
      .toString()
      .trim();
    for (const n of this.nodes) await n.prepare(clusterId);
    for (const n of this.nodes) {
      n.writeConfig();
      n.format();
    }
    // Together: a quorum of several needs its voters up before any of them is ready.
    await Promise.all(this.nodes.map((n) => n.start()));
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.close()));
  }
}
