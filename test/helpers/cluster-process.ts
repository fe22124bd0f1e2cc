// A Samsa cluster of real processes, started as a user would: one properties file per node, each
// node's log dir formatted with `kafka-storage.sh format -t <cluster-id> -c <file>`, each node started
// with `bin/kafka-server-start.sh <file>`. Ports are picked free on 127.0.0.1; every process is killed
// by stopAll() (call it in `after`, it never throws).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { heapOpts, repoRoot } from './paths.js';

export type Role = 'broker' | 'controller' | 'broker,controller';

export interface NodeProcess {
  id: number;
  role: Role;
  /** Client listener port (brokers). */
  port: number;
  /** Controller listener port (controllers). */
  controllerPort: number;
  file: string;
  dataDir: string;
  child: ChildProcess | null;
  output: string;
}

export interface ClusterProcesses {
  clusterId: string;
  nodes: Map<number, NodeProcess>;
  /** From spawning the first process to every node's ready line, at start-up (formatting excluded). */
  readyMs: number;
  /** "127.0.0.1:port,..." of the brokers that are running. */
  bootstrap(): string;
  controllerBootstrap(): string;
  start(id: number, readyTimeoutMs?: number): Promise<void>;
  /** Sends a signal; for SIGKILL/SIGTERM resolves once the process exited. */
  signal(id: number, signal: NodeJS.Signals): Promise<void>;
  stopAll(): Promise<void>;
}

export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<import('node:net').Server>((resolve) => {
          const s = createServer();
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

const bin = (name: string) => join(repoRoot, 'dist', 'bin', `${name}.mjs`);

/** Runs one of the kafka-*.sh tools (the bundled script) and returns its output. */
export function tool(
  name: string,
  args: string[],
  timeoutMs = 60_000,
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin(name), ...args], { encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export interface ClusterProcessOptions {
  /**
   * 'static' (default): controller.quorum.voters names every controller. 'dynamic' (KIP-853):
   * controller.quorum.bootstrap.servers names them; the first controller is formatted --standalone (the
   * only voter), the other controllers --no-initial-controllers (observers until added).
   */
  quorum?: 'static' | 'dynamic';
  /** Ids of nodes not started by startClusterProcesses (start them with `start(id)`). */
  deferred?: number[];
}

/**
 * Runs `start` (which picks free ports and binds them) again, twice at most, when it failed because
 * another process took one of its ports in between (the machine is shared).
 */
export async function retryWhilePortTaken<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= 3 || !/is already in use/.test(String(err))) throw err;
    }
  }
}

/** Starts the cluster (with new ports if a picked one was taken meanwhile). */
export function startClusterProcesses(
  roles: Role[],
  overrides: Record<string, string> = {},
  options: ClusterProcessOptions = {},
): Promise<ClusterProcesses> {
  return retryWhilePortTaken(() => startClusterOnce(roles, overrides, options));
}

async function startClusterOnce(
  roles: Role[],
  overrides: Record<string, string>,
  options: ClusterProcessOptions,
): Promise<ClusterProcesses> {
  const clusterId = (tool('kafka-storage', ['random-uuid']).stdout || '').trim();
  const root = mkdtempSync(join(tmpdir(), 'samsa-cluster-'));
  const ports = await freePorts(roles.length * 2);
  const nodes = new Map<number, NodeProcess>();
  roles.forEach((role, i) => {
    const id = i + 1;
    nodes.set(id, {
      id,
      role,
      port: ports[2 * i],
      controllerPort: ports[2 * i + 1],
      file: join(root, `node-${id}.properties`),
      dataDir: join(root, `data-${id}`),
      child: null,
      output: '',
    });
  });
  const controllers = [...nodes.values()].filter((n) => n.role.includes('controller'));
  const dynamic = options.quorum === 'dynamic';
  const quorum: Record<string, string> = dynamic
    ? {
        'controller.quorum.bootstrap.servers': controllers
          .map((n) => `127.0.0.1:${n.controllerPort}`)
          .join(','),
      }
    : {
        'controller.quorum.voters': controllers.map((n) => `${n.id}@127.0.0.1:${n.controllerPort}`).join(','),
      };
  for (const n of nodes.values()) {
    const listeners = [
      ...(n.role.includes('broker') ? [`PLAINTEXT://127.0.0.1:${n.port}`] : []),
      ...(n.role.includes('controller') ? [`CONTROLLER://127.0.0.1:${n.controllerPort}`] : []),
    ].join(',');
    const props: Record<string, string> = {
      'process.roles': n.role,
      'node.id': String(n.id),
      ...quorum,
      'controller.listener.names': 'CONTROLLER',
      listeners,
      ...(n.role.includes('broker') ? { 'inter.broker.listener.name': 'PLAINTEXT' } : {}),
      'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      'log.dirs': n.dataDir,
      'metrics.port': '0',
      'log.format': 'text',
      'group.initial.rebalance.delay.ms': '0',
      'offsets.topic.num.partitions': '6',
      ...overrides,
    };
    writeFileSync(
      n.file,
      `${Object.entries(props)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n')}\n`,
    );
    const quorumFlags =
      dynamic && n.role.includes('controller')
        ? [n === controllers[0] ? '--standalone' : '--no-initial-controllers']
        : [];
    const f = tool('kafka-storage', ['format', '-t', clusterId, '-c', n.file, ...quorumFlags]);
    if (f.code !== 0) throw new Error(`format of node ${n.id} failed: ${f.stderr}${f.stdout}`);
  }
  const exits = new Map<number, Promise<void>>();
  const start = (id: number, readyTimeoutMs = 30_000) => {
    const n = nodes.get(id) as NodeProcess;
    // SAMSA_NODE_ARGS: extra node flags for every node (e.g. --cpu-prof while looking into something).
    const nodeArgs = (process.env.SAMSA_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...heapOpts(), ...nodeArgs, bin('kafka-server-start'), n.file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    n.child = child;
    n.output = '';
    const append = (d: Buffer) => {
      n.output += d.toString();
      if (n.output.length > 4_000_000) n.output = n.output.slice(-2_000_000);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    exits.set(id, new Promise((r) => child.once('exit', () => r())));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`node ${id} not ready in ${readyTimeoutMs} ms:\n${n.output.slice(-4000)}`)),
        readyTimeoutMs,
      );
      const check = () => {
        if (/ready on /.test(n.output)) {
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
  };
  const running = (filter: (n: NodeProcess) => boolean) =>
    [...nodes.values()].filter(
      (n) => filter(n) && n.child && n.child.exitCode === null && n.child.signalCode === null,
    );
  const cluster: ClusterProcesses = {
    clusterId,
    nodes,
    readyMs: 0,
    bootstrap: () =>
      running((n) => n.role.includes('broker'))
        .map((n) => `127.0.0.1:${n.port}`)
        .join(','),
    controllerBootstrap: () =>
      running((n) => n.role.includes('controller'))
        .map((n) => `127.0.0.1:${n.controllerPort}`)
        .join(','),
    start,
    async signal(id, signal) {
      const n = nodes.get(id) as NodeProcess;
      if (!n.child || n.child.exitCode !== null || n.child.signalCode !== null) return;
      n.child.kill(signal);
      if (signal === 'SIGKILL' || signal === 'SIGTERM') await exits.get(id);
    },
    async stopAll() {
      for (const n of nodes.values()) {
        if (n.child && n.child.exitCode === null && n.child.signalCode === null) {
          n.child.kill('SIGCONT');
          n.child.kill('SIGKILL');
        }
      }
      await Promise.all([...exits.values()]);
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    const t0 = performance.now();
    const first = [...nodes.keys()].filter((id) => !options.deferred?.includes(id));
    if (dynamic) {
      // The one voter first: the others find the quorum through it.
      await start(controllers[0].id);
      await Promise.all(first.filter((id) => id !== controllers[0].id).map((id) => start(id)));
    } else await Promise.all(first.map((id) => start(id)));
    cluster.readyMs = performance.now() - t0;
  } catch (err) {
    await cluster.stopAll();
    throw err;
  }
  return cluster;
}
