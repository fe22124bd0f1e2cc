#!/usr/bin/env node
// kafka-server-stop.sh [--process-role=broker|controller] [--node-id=N]: sends SIGTERM (or the
// signal named by $SIGNAL) to the Samsa brokers of this user started with kafka-server-start.sh or
// `samsa server start`, as Kafka's script does for its JVMs. With --node-id or --process-role, only
// brokers whose config (file and --override values) matches. No broker: "No kafka server to stop",
// exit code 1.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseProperties } from '../../config/properties.js';
import { println, runTool } from '../tool.js';

const NAME = 'kafka-server-stop.sh';

const HELP = `Usage: kafka-server-stop.sh [--process-role=ROLE] [--node-id=N]

Stops the Samsa brokers of the current user that were started with kafka-server-start.sh or
'samsa server start', by sending them SIGTERM (or the signal named by the SIGNAL variable). They
finish the requests in flight, flush and exit.

  --node-id=N           only the broker whose node.id is N
  --process-role=ROLE   only brokers whose process.roles is ROLE (e.g. broker,controller)

Exit code 1 when no broker was found.`;

interface Server {
  pid: number;
  nodeId: string | undefined;
  roles: string | undefined;
}

/** Every process as [pid, argv, cwd]: from /proc where it exists, else from ps. */
function processes(): [number, string[], string][] {
  if (existsSync('/proc/self/cmdline')) {
    const out: [number, string[], string][] = [];
    const uid = process.getuid?.();
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        if (uid !== undefined && statSync(`/proc/${name}`).uid !== uid) continue;
        const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8')
          .split('\0')
          .filter((a) => a !== '');
        out.push([Number(name), argv, readlinkSync(`/proc/${name}/cwd`)]);
      } catch {
        // The process ended while we looked.
      }
    }
    return out;
  }
  const text = execFileSync('ps', ['-x', '-ww', '-o', 'pid=', '-o', 'args='], { encoding: 'utf8' });
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => {
      const [pid, ...argv] = l.split(/\s+/);
      return [Number(pid), argv, process.cwd()] as [number, string[], string];
    });
}

/** The config of a broker process: its file (if any) overlaid with its --override values. */
function serverOf(pid: number, argv: string[], cwd: string): Server | null {
  const script = argv.findIndex((a) => /(^|\/)(kafka-server-start(\.sh|\.mjs)?|samsa(\.mjs)?)$/.test(a));
  if (script < 0) return null;
  const rest = argv.slice(script + 1);
  const isSamsa = /samsa(\.mjs)?$/.test(argv[script]);
  if (isSamsa && !(rest[0] === 'server' && rest[1] === 'start')) return null;
  const values = new Map<string, string>();
  let file: string | undefined;
  const args = isSamsa ? rest.slice(2) : rest.filter((a) => a !== '-daemon');
  if (isSamsa) {
    values.set('node.id', '1');
    values.set('process.roles', 'broker,controller');
  } else file = args[0];
  const overrides: string[] = [];
  for (let i = isSamsa ? 0 : 1; i < args.length; i++) {
    const a = args[i];
    if (a === '--override' || a === '--config') {
      if (a === '--override') overrides.push(args[i + 1] ?? '');
      else file = args[i + 1];
      i++;
    } else if (a.startsWith('--override=')) overrides.push(a.slice('--override='.length));
    else if (a.startsWith('--config=')) file = a.slice('--config='.length);
  }
  if (file) {
    try {
      const parsed = parseProperties(readFileSync(resolve(cwd, file), 'utf8'));
      if (parsed.ok) for (const e of parsed.entries) values.set(e.key, e.value);
    } catch {
      // Unreadable: only the overrides are known.
    }
  }
  for (const o of overrides) {
    const eq = o.indexOf('=');
    if (eq > 0) values.set(o.slice(0, eq).trim(), o.slice(eq + 1).trim());
  }
  return { pid, nodeId: values.get('node.id'), roles: values.get('process.roles') };
}

function flag(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith(`--${name}=`)) return argv[i].slice(name.length + 3);
    if (argv[i] === `--${name}`) return argv[i + 1];
  }
  return undefined;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    println(HELP);
    return 0;
  }
  const nodeId = flag(argv, 'node-id');
  const role = flag(argv, 'process-role');
  if (nodeId !== undefined && role !== undefined) {
    println('When both node-id and process-role are provided, the value for node-id will take precedence');
  }
  const signal = (process.env.SIGNAL ?? 'TERM').replace(/^SIG/, '');
  const servers = processes()
    .filter(([pid]) => pid !== process.pid)
    .map(([pid, args, cwd]) => serverOf(pid, args, cwd))
    .filter((s): s is Server => s !== null);
  if (servers.length === 0) {
    println('No kafka server to stop');
    return 1;
  }
  const chosen =
    nodeId !== undefined
      ? servers.filter((s) => s.nodeId === nodeId)
      : role !== undefined
        ? servers.filter((s) => s.roles === role)
        : servers;
  for (const s of chosen) {
    try {
      process.kill(s.pid, `SIG${signal}` as NodeJS.Signals);
    } catch {
      // Gone already, or not ours.
    }
  }
  return 0;
}

runTool(NAME, main);
