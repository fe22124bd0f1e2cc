// A Samsa cluster of real processes for the replication tests (cluster-process.ts is the cluster
// tests' own), started as a user starts Kafka: a properties file per
// node (combined broker+controller nodes with static controller.quorum.voters, or broker-only nodes
// joining them), `kafka-storage.sh format -t <cluster id>` on each, then `kafka-server-start.sh`. Ports
// are free ones picked up front (the voters' addresses must be known before start). Nodes can be
// killed (SIGKILL), paused (SIGSTOP/SIGCONT), stopped and restarted; close() ends every process this
// helper started, by its pid.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts, retryWhilePortTaken } from './cluster-process.js';
import { heapOpts, repoRoot } from './paths.js';
import { run } from './tools.js';

export interface NodeProcess {
  id: number;
  /** Client port (PLAINTEXT listener). */
  port: number;
  bootstrap: string;
  controllerPort: number | null;
  roles: 'broker' | 'controller' | 'broker,controller';
  dataDir: string;
  propsFile: string;
  child: ChildProcess | null;
  exited: Promise<number | null> | null;
  output: string;
}

export interface ClusterOptions {
  /** Combined broker+controller nodes (the voters), ids 1..n. */
  nodes?: number;
  /**
   * Split roles instead: this many controller-only voters (ids 101, 102, ...) and `brokers` broker-only
   * nodes (ids 1..brokers), so brokers can go down without the metadata quorum losing its majority.
   */
  controllers?: number;
  brokers?: number;
  /** Server configs for every node (e.g. broker.session.timeout.ms). */
  configs?: Record<string, string>;
  /** The name of the client (and inter-broker) listener (default PLAINTEXT; its protocol from `configs`). */
  clientListener?: string;
  /** Per-node configs on top (broker.rack, ...). */
  nodeConfigs?: (id: number) => Record<string, string>;
  /** More arguments for every node's `kafka-storage.sh format` (--add-scram 'SCRAM-SHA-512=[...]'). */
  formatArgs?: string[];
  readyTimeoutMs?: number;
}

/** A free TCP port on 127.0.0.1 (closed again at once: a small window in which another may take it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Two free ports picked together, so a node's two listeners never get the same one. */
async function freePair(): Promise<[number, number]> {
  const [a, b] = await freePorts(2);
  return [a, b];
}

const BIN = join(repoRoot, 'bin');

export class ProcessCluster {
  readonly nodes = new Map<number, NodeProcess>();
  readonly root: string;
  readonly clusterId: string;
  private voters = '';

  private constructor(private readonly options: ClusterOptions) {
    this.root = mkdtempSync(join(tmpdir(), 'samsa-cluster-'));
    this.clusterId = execFileSync(join(BIN, 'kafka-storage.sh'), ['random-uuid'], {
      encoding: 'utf8',
    }).trim();
  }

  /** Starts the cluster (with new ports if a picked one was taken meanwhile). */
  static start(options: ClusterOptions = {}): Promise<ProcessCluster> {
    return retryWhilePortTaken(() => ProcessCluster.startOnce(options));
  }

  private static async startOnce(options: ClusterOptions): Promise<ProcessCluster> {
    const c = new ProcessCluster(options);
    try {
      if (options.controllers) {
        const voters = Array.from({ length: options.controllers }, (_, i) => 101 + i);
        const brokers = Array.from({ length: options.brokers ?? 3 }, (_, i) => i + 1);
        for (const id of voters) c.define(id, ...(await freePair()));
        c.voters = voters.map((id) => `${id}@127.0.0.1:${c.node(id).controllerPort}`).join(',');
        for (const id of voters) c.configure(id, 'controller');
        await Promise.all(voters.map((id) => c.launch(id)));
        for (const id of brokers) c.define(id, await freePort(), null);
        for (const id of brokers) c.configure(id, 'broker');
        await Promise.all(brokers.map((id) => c.launch(id)));
        return c;
      }
      const count = options.nodes ?? 3;
      const ids = Array.from({ length: count }, (_, i) => i + 1);
      for (const id of ids) c.define(id, ...(await freePair()));
      c.voters = ids.map((id) => `${id}@127.0.0.1:${c.node(id).controllerPort}`).join(',');
      for (const id of ids) c.configure(id, 'broker,controller');
      await Promise.all(ids.map((id) => c.launch(id)));
      return c;
    } catch (err) {
      await c.close();
      throw err;
    }
  }

  node(id: number): NodeProcess {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  /** Every running broker's client address, comma separated. */
  get bootstrap(): string {
    return [...this.nodes.values()]
      .filter((n) => n.child && n.roles !== 'controller')
      .map((n) => n.bootstrap)
      .join(',');
  }

  /** Runs one of Kafka's tools in bin/ against the running brokers; its output, or an error on a non-zero exit. */
  async tool(name: string, args: string[]): Promise<string> {
    const out = await run(join(BIN, name), ['--bootstrap-server', this.bootstrap, ...args], {
      env: { PATH: `${join(process.execPath, '..')}:${process.env.PATH ?? ''}` },
      timeoutMs: 60_000,
    });
    if (out.code !== 0)
      throw new Error(`${name} ${args.join(' ')}: exit ${out.code}: ${out.stderr}${out.stdout}`);
    return out.stdout;
  }

  /** Creates a topic with kafka-topics.sh, as an operator would; `configs` as its --config flags. */
  async createTopic(
    name: string,
    partitions: number,
    replicationFactor: number,
    configs: Record<string, string> = {},
  ): Promise<void> {
    const flags = Object.entries(configs).flatMap(([k, v]) => ['--config', `${k}=${v}`]);
    await this.tool('kafka-topics.sh', [
      '--create',
      '--topic',
      name,
      '--partitions',
      String(partitions),
      '--replication-factor',
      String(replicationFactor),
      ...flags,
    ]);
  }

  /** Leader and ISR of a partition, as kafka-topics.sh --describe prints them. */
  async describePartition(topic: string, partition: number): Promise<{ leader: number; isr: number[] }> {
    const text = await this.tool('kafka-topics.sh', ['--describe', '--topic', topic]);
    const line = text.split('\n').find((l) => new RegExp(`Partition: ${partition}\\t`).test(l));
    if (!line) throw new Error(`no partition ${partition} in:\n${text}`);
    return {
      leader: Number(/Leader: (-?\d+)/.exec(line)?.[1]),
      isr: (/Isr: ([\d,]*)/.exec(line)?.[1] ?? '').split(',').filter(Boolean).map(Number),
    };
  }

  /** The concatenated segment files of a partition on one node. */
  segmentBytes(node: number, topic: string, partition: number): Buffer {
    const dir = join(this.node(node).dataDir, `${topic}-${partition}`);
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.log'))
      .sort();
    return Buffer.concat(files.map((f) => readFileSync(join(dir, f))));
  }

  /** The ids of the nodes with the broker role. */
  get brokerIds(): number[] {
    return [...this.nodes.values()].filter((n) => n.roles !== 'controller').map((n) => n.id);
  }

  private define(id: number, port: number, controllerPort: number | null): void {
    const dataDir = join(this.root, `node-${id}`);
    mkdirSync(dataDir, { recursive: true });
    this.nodes.set(id, {
      id,
      port,
      bootstrap: `127.0.0.1:${port}`,
      controllerPort,
      roles: 'broker,controller',
      dataDir,
      propsFile: join(this.root, `node-${id}.properties`),
      child: null,
      exited: null,
      output: '',
    });
  }

  private configure(id: number, roles: NodeProcess['roles']): void {
    const n = this.node(id);
    n.roles = roles;
    const client = this.options.clientListener ?? 'PLAINTEXT';
    const listeners =
      roles === 'broker'
        ? `${client}://127.0.0.1:${n.port}`
        : roles === 'controller'
          ? `CONTROLLER://127.0.0.1:${n.controllerPort}`
          : `${client}://127.0.0.1:${n.port},CONTROLLER://127.0.0.1:${n.controllerPort}`;
    const props: Record<string, string> = {
      'process.roles': roles,
      'node.id': String(id),
      'controller.quorum.voters': this.voters,
      listeners,
      ...(roles === 'controller' ? {} : { 'advertised.listeners': `${client}://127.0.0.1:${n.port}` }),
      'controller.listener.names': 'CONTROLLER',
      'inter.broker.listener.name': client,
      'listener.security.protocol.map': `${client}:PLAINTEXT,CONTROLLER:PLAINTEXT`,
      'log.dirs': n.dataDir,
      'metrics.port': '0',
      'log.level': 'info',
      ...this.options.configs,
      ...this.options.nodeConfigs?.(id),
    };
    writeFileSync(
      n.propsFile,
      `${Object.entries(props)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n')}\n`,
    );
    execFileSync(
      join(BIN, 'kafka-storage.sh'),
      ['format', '-t', this.clusterId, '-c', n.propsFile, ...(this.options.formatArgs ?? [])],
      { stdio: 'ignore' },
    );
  }

  /** Starts a node's process and waits for its ready line. */
  private launch(id: number): Promise<void> {
    const n = this.node(id);
    // SAMSA_NODE_ARGS: node flags for every node (e.g. --cpu-prof while looking into something); they
    // need node itself, not the script.
    const nodeArgs = (process.env.SAMSA_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const [command, args] =
      nodeArgs.length > 0
        ? [
            process.execPath,
            [...heapOpts(), ...nodeArgs, join(repoRoot, 'dist/bin/kafka-server-start.mjs'), n.propsFile],
          ]
        : [join(BIN, 'kafka-server-start.sh'), [n.propsFile]];
    const child = spawn(command, args, {
      env: { ...process.env, PATH: `${join(process.execPath, '..')}:${process.env.PATH ?? ''}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    n.child = child;
    n.output = '';
    n.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const append = (d: Buffer) => {
      n.output += d.toString();
      // Keep the tail only: long runs log a lot.
      if (n.output.length > 2_000_000) n.output = n.output.slice(-1_000_000);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`node ${id} not ready in time:\n${n.output.slice(-4000)}`)),
        this.options.readyTimeoutMs ?? 30_000,
      );
      const check = () => {
        if (/Samsa \w+ \d+ ready on /.test(n.output)) {
          clearTimeout(timer);
          child.stdout?.off('data', check);
          resolve();
        }
      };
      child.stdout?.on('data', check);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`node ${id} exited with ${code} before it was ready:\n${n.output.slice(-4000)}`));
      });
    });
  }

  /** A broker-only node joining the cluster (a new broker to move partitions onto). */
  async addBroker(id: number): Promise<NodeProcess> {
    this.define(id, await freePort(), null);
    this.configure(id, 'broker');
    await this.launch(id);
    return this.node(id);
  }

  /** SIGKILL, and wait until the process is gone. */
  async kill(id: number): Promise<void> {
    const n = this.node(id);
    if (n.child && n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGKILL');
    await n.exited;
    n.child = null;
  }

  /** SIGTERM (a controlled shutdown), and wait. */
  async stop(id: number): Promise<void> {
    const n = this.node(id);
    if (n.child && n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGTERM');
    await n.exited;
    n.child = null;
  }

  /** SIGTERM, then SIGKILL if the node is still there after `ms`. */
  private async stopWithin(id: number, ms: number): Promise<void> {
    const n = this.node(id);
    if (!n.child || n.child.exitCode !== null || n.child.signalCode !== null) return;
    const child = n.child;
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.kill('SIGCONT');
    await this.stop(id);
    clearTimeout(timer);
  }

  pause(id: number): void {
    this.node(id).child?.kill('SIGSTOP');
  }

  resume(id: number): void {
    this.node(id).child?.kill('SIGCONT');
  }

  /** Starts a stopped or killed node again on its data. */
  async restart(id: number): Promise<void> {
    await this.launch(id);
  }

  /** Ends every process this cluster started (SIGCONT first for paused ones) and removes the data. */
  async close(keepData = false): Promise<void> {
    // A profiled run (SAMSA_NODE_ARGS=--cpu-prof) needs its nodes to exit on their own to write the
    // profiles: brokers first, while the controllers can still move their leaderships.
    if ((process.env.SAMSA_NODE_ARGS ?? '').includes('--cpu-prof'))
      for (const id of [...this.brokerIds, ...this.nodes.keys()]) await this.stopWithin(id, 15_000);
    for (const n of this.nodes.values()) {
      if (!n.child) continue;
      n.child.kill('SIGCONT');
      n.child.kill('SIGKILL');
    }
    await Promise.all([...this.nodes.values()].map((n) => n.exited));
    if (!keepData) rmSync(this.root, { recursive: true, force: true });
  }
}
