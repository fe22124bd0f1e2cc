// samsa dev cluster: a local cluster of N processes for development — each a combined broker and
// controller of one static quorum, formatted with one cluster id, started with `samsa server start
// --config`. It prints every node's ports and the bootstrap string, and stops them all on Ctrl-C.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommandError, type OptionSpec, type ParsedArgs, parseInteger } from '../args.js';
import type { Command } from '../lib/samsa-common.js';
import { eprintln, println } from '../tool.js';

const SPECS: OptionSpec[] = [
  { name: 'nodes', short: 'n', arg: 'required', argName: 'N', help: 'how many nodes (default 3)' },
  {
    name: 'port',
    arg: 'required',
    argName: 'PORT',
    help: 'client port of node 1; node i listens on PORT+i-1 (default 9092)',
  },
  {
    name: 'controller-port',
    arg: 'required',
    argName: 'PORT',
    help: 'controller port of node 1; node i on PORT+i-1 (default: client port + 1000)',
  },
  {
    name: 'host',
    arg: 'required',
    argName: 'HOST',
    help: 'address to listen on and advertise (default localhost)',
  },
  {
    name: 'data-dir',
    arg: 'required',
    argName: 'DIR',
    help: "keep the nodes' data in DIR/node-i (default: a temporary dir, removed on exit)",
  },
  {
    name: 'override',
    arg: 'required',
    argName: 'KEY=VALUE',
    help: 'a broker config for every node (repeatable)',
  },
];

/** The bundled `samsa` entry (dist/bin/samsa.mjs) or, unbundled, dist/src/cli/samsa.js. */
function samsaEntry(): string {
  const here = fileURLToPath(import.meta.url);
  return here.includes(`${'/dist/bin/'}`)
    ? resolve(here, '..', 'samsa.mjs')
    : resolve(here, '..', '..', 'samsa.js');
}

export const command: Command = {
  name: 'dev cluster',
  summary: 'Start a local cluster of N nodes (processes) for development; Ctrl-C stops them all.',
  usage: 'dev cluster [--nodes N] [--port PORT] [--data-dir DIR]',
  specs: SPECS,
  examples: [
    'samsa dev cluster',
    'samsa dev cluster --nodes 5 --port 19092',
    'samsa dev cluster --data-dir ./dev-data',
  ],
  async run(args: ParsedArgs): Promise<number> {
    const count = args.has('nodes')
      ? parseInteger(args.get('nodes') as string, '--nodes', { min: 1, max: 9 })
      : 3;
    const port = args.has('port')
      ? parseInteger(args.get('port') as string, '--port', { min: 1, max: 65000 })
      : 9092;
    const controllerPort = args.has('controller-port')
      ? parseInteger(args.get('controller-port') as string, '--controller-port', { min: 1, max: 65000 })
      : port + 1000;
    const host = args.get('host') ?? 'localhost';
    const kept = args.get('data-dir');
    const base = kept ? resolve(kept) : mkdtempSync(join(tmpdir(), 'samsa-dev-cluster-'));
    const { formatStorage, randomClusterId } = await import('../../broker/storage-format.js');
    const { loadBrokerConfig } = await import('../../config/index.js');
    const clusterId = randomClusterId();
    const voters = Array.from({ length: count }, (_, i) => `${i + 1}@${host}:${controllerPort + i}`).join(
      ',',
    );
    const files: string[] = [];
    for (let i = 0; i < count; i++) {
      const id = i + 1;
      const dir = join(base, `node-${id}`);
      mkdirSync(dir, { recursive: true });
      const props: Record<string, string> = {
        'process.roles': 'broker,controller',
        'node.id': String(id),
        'controller.quorum.voters': voters,
        listeners: `PLAINTEXT://${host}:${port + i},CONTROLLER://${host}:${controllerPort + i}`,
        'advertised.listeners': `PLAINTEXT://${host}:${port + i}`,
        'inter.broker.listener.name': 'PLAINTEXT',
        'controller.listener.names': 'CONTROLLER',
        'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        'log.dirs': dir,
        'metrics.port': '0',
        'auto.create.topics.enable': 'true',
        'group.initial.rebalance.delay.ms': '0',
        'offsets.topic.replication.factor': String(Math.min(3, count)),
        'transaction.state.log.replication.factor': String(Math.min(3, count)),
        'transaction.state.log.min.isr': String(Math.min(2, count)),
      };
      for (const o of args.all('override')) {
        const eq = (o ?? '').indexOf('=');
        if (eq <= 0) throw new CommandError(`--override ${o}: expected KEY=VALUE`);
        props[(o as string).slice(0, eq)] = (o as string).slice(eq + 1);
      }
      const file = join(dir, 'server.properties');
      writeFileSync(
        file,
        `${Object.entries(props)
          .map(([k, v]) => `${k}=${v}`)
          .join('\n')}\n`,
      );
      files.push(file);
      const loaded = loadBrokerConfig({
        text: `${Object.entries(props)
          .map(([k, v]) => `${k}=${v}`)
          .join('\n')}\n`,
        fileName: file,
        env: {},
      });
      if (!loaded.ok) throw new CommandError(loaded.error);
      const formatted = await formatStorage({
        config: loaded.config,
        clusterId,
        ignoreFormatted: true,
        initialControllers: null,
        print: () => {},
      });
      if (!formatted.ok) throw new CommandError(formatted.error);
    }
    println(
      `Samsa dev cluster ${clusterId}: ${count} nodes, data in ${base}${kept ? '' : ' (removed on exit)'}`,
    );
    for (let i = 0; i < count; i++)
      println(`  node ${i + 1}: broker ${host}:${port + i}, controller ${host}:${controllerPort + i}`);
    println(`Bootstrap servers: ${Array.from({ length: count }, (_, i) => `${host}:${port + i}`).join(',')}`);
    println('Ctrl-C stops every node.');
    return runNodes(files, base, kept === undefined);
  },
};

/** Starts the nodes, relays their start-up lines, and stops them all on SIGINT/SIGTERM or when one fails. */
async function runNodes(files: string[], base: string, removeData: boolean): Promise<number> {
  const children = files.map((file, i) => {
    const child = spawn(process.execPath, [samsaEntry(), 'server', 'start', '--config', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const prefix = `[node ${i + 1}] `;
    let buffered = '';
    const relay = (d: Buffer) => {
      buffered += d.toString();
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        // Ready lines and problems only: each node's own log stays in its process.
        if (/ready on|stopping|ERROR|error|cannot|refused/i.test(line)) println(`${prefix}${line}`);
        nl = buffered.indexOf('\n');
      }
    };
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    return child;
  });
  const exits = children.map((c) => new Promise<number>((r) => c.once('exit', (code) => r(code ?? 1))));
  let stopping = false;
  const stopAll = () => {
    if (stopping) return;
    stopping = true;
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  };
  process.on('SIGINT', stopAll);
  process.on('SIGTERM', stopAll);
  // A node that exits on its own (a bad config, a taken port) takes the others down with it.
  const first = await Promise.race(exits.map((e, i) => e.then((code) => ({ i, code }))));
  if (!stopping) eprintln(`node ${first.i + 1} exited with code ${first.code}; stopping the others`);
  stopAll();
  const codes = await Promise.all(exits);
  if (removeData) rmSync(base, { recursive: true, force: true });
  return stopping && first.code === 0 ? 0 : Math.max(...codes, first.code);
}
