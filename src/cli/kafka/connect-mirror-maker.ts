#!/usr/bin/env node
// connect-mirror-maker.sh mm2.properties [--clusters B ...]: MirrorMaker 2's dedicated mode, with
// its properties file (clusters, A.bootstrap.servers, A->B.enabled, topics, groups, ...). Samsa adds
// --metrics-port/--metrics-host for its /metrics endpoint.
import { UsageError } from '../args.js';
import { loadProps } from '../client-config.js';
import { MIRROR_METRICS_PORT, runMirror } from '../lib/mirror-runner.js';
import { println, runTool } from '../tool.js';

const NAME = 'connect-mirror-maker.sh';

const HELP = `usage: connect-mirror-maker [-h] [--clusters CLUSTER [CLUSTER ...]] mm2.properties

MirrorMaker 2.0 driver (Samsa's mirror: MirrorMaker 2's properties, topic names and internal topics)

positional arguments:
  mm2.properties         MM2 configuration file.

named arguments:
  -h, --help             show this help message and exit
  --clusters CLUSTER [CLUSTER ...]
                         Target cluster to use for this node.
  --metrics-port N       Serve /metrics, /health, /ready and /mirror/status on port N
                         (default ${MIRROR_METRICS_PORT}; 0 turns the endpoint off).
  --metrics-host HOST    Listen for metrics on HOST (default: all interfaces).`;

interface Args {
  file: string;
  targets: string[];
  metricsPort: number;
  metricsHost: string;
}

function parse(argv: readonly string[]): Args | 'help' {
  let file: string | undefined;
  const targets: string[] = [];
  let metricsPort = MIRROR_METRICS_PORT;
  let metricsHost = '';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') return 'help';
    if (a === '-daemon') continue;
    const [flag, inline] =
      a.startsWith('--') && a.includes('=')
        ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
        : [a, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined || v.startsWith('-'))
        throw new UsageError(`argument ${flag}: expected one argument`);
      return v;
    };
    if (flag === '--clusters') {
      if (inline !== undefined) targets.push(...inline.split(/[\s,]+/).filter(Boolean));
      else {
        while (i + 1 < argv.length && !argv[i + 1].startsWith('-') && !argv[i + 1].endsWith('.properties'))
          targets.push(argv[++i]);
      }
      if (targets.length === 0) throw new UsageError('argument --clusters: expected at least one argument');
    } else if (flag === '--metrics-port') {
      const v = value();
      if (!/^\d{1,5}$/.test(v) || Number(v) > 65535)
        throw new UsageError(`--metrics-port: '${v}' is not a port`);
      metricsPort = Number(v);
    } else if (flag === '--metrics-host') {
      metricsHost = value();
    } else if (a.startsWith('-')) {
      throw new UsageError(`unrecognized arguments: '${a}'`);
    } else if (file === undefined) {
      file = a;
    } else {
      throw new UsageError(`unrecognized arguments: '${a}'`);
    }
  }
  if (file === undefined) throw new UsageError('too few arguments: the mm2.properties file is required');
  return { file, targets, metricsPort, metricsHost };
}

async function main(argv: string[]): Promise<number> {
  const args = parse(argv);
  if (args === 'help') {
    println(HELP);
    return 0;
  }
  const props = loadProps(args.file, 'mm2.properties');
  return runMirror(props, {
    name: NAME,
    targets: args.targets,
    metricsPort: args.metricsPort,
    metricsHost: args.metricsHost,
  });
}

runTool(NAME, main);
