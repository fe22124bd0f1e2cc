// samsa mirror --from [A=]HOST:PORT --to [B=]HOST:PORT [--topics REGEX]: one MirrorMaker 2 flow
// without a properties file. The options become MirrorMaker's properties (clusters, A.bootstrap.servers,
// A->B.enabled, A->B.topics, ...); -X sets any other MirrorMaker property.
import { type ParsedArgs, UsageError } from '../args.js';
import { parseKeyValues } from '../client-config.js';
import { MIRROR_METRICS_PORT, runMirror } from '../lib/mirror-runner.js';
import type { Command } from '../lib/samsa-common.js';

function cluster(
  text: string | undefined,
  flag: string,
  fallback: string,
): { alias: string; servers: string } {
  if (!text) throw new UsageError(`${flag} is required: [ALIAS=]HOST:PORT[,HOST:PORT...]`);
  const eq = text.indexOf('=');
  const alias = eq < 0 ? fallback : text.slice(0, eq).trim();
  const servers = (eq < 0 ? text : text.slice(eq + 1)).trim();
  if (!/^[A-Za-z0-9._-]+$/.test(alias))
    throw new UsageError(`${flag}: '${alias}' is not a valid cluster alias`);
  for (const s of servers.split(',')) {
    if (!/^(\[[^\]]+\]|[^:\s]+):\d{1,5}$/.test(s.trim()))
      throw new UsageError(`${flag}: '${s}' is not host:port`);
  }
  return { alias, servers };
}

/** The MirrorMaker properties the options stand for. */
export function mirrorProps(args: ParsedArgs): Record<string, string> {
  const from = cluster(args.get('from'), '--from', 'source');
  const to = cluster(args.get('to'), '--to', 'target');
  if (from.alias === to.alias)
    throw new UsageError(`--from and --to need different aliases (both are '${from.alias}')`);
  const flow = `${from.alias}->${to.alias}`;
  const props: Record<string, string> = {
    clusters: `${from.alias}, ${to.alias}`,
    [`${from.alias}.bootstrap.servers`]: from.servers,
    [`${to.alias}.bootstrap.servers`]: to.servers,
    [`${flow}.enabled`]: 'true',
    // Heartbeats into the source need a flow back; one flow emits into its target only.
    [`${to.alias}->${from.alias}.emit.heartbeats.enabled`]: 'false',
  };
  const set = (option: string, key: string, value = args.get(option)) => {
    if (value !== undefined) props[`${flow}.${key}`] = value;
  };
  set('topics', 'topics');
  set('topics-exclude', 'topics.exclude');
  set('groups', 'groups');
  set('groups-exclude', 'groups.exclude');
  set('replication-factor', 'replication.factor');
  if (args.has('identity'))
    props['replication.policy.class'] = 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy';
  if (args.has('sync-group-offsets')) props[`${flow}.sync.group.offsets.enabled`] = 'true';
  Object.assign(props, parseKeyValues(args.all('X'), '-X'));
  return props;
}

export const command: Command = {
  name: 'mirror',
  summary:
    'Mirror topics from one cluster to another, as MirrorMaker 2 does: remote topics (A.orders), offset syncs, checkpoints, heartbeats.',
  usage: 'mirror --from [A=]HOST:PORT --to [B=]HOST:PORT [options]',
  specs: [
    {
      name: 'from',
      arg: 'required',
      argName: '[A=]host:port',
      help: "The source cluster and its alias (default alias 'source')",
    },
    {
      name: 'to',
      arg: 'required',
      argName: '[B=]host:port',
      help: "The target cluster and its alias (default alias 'target')",
    },
    {
      name: 'topics',
      short: 't',
      arg: 'required',
      argName: 'regex,...',
      help: 'Topics to mirror (default .*)',
    },
    {
      name: 'topics-exclude',
      arg: 'required',
      argName: 'regex,...',
      help: 'Topics not to mirror (default: internal ones)',
    },
    {
      name: 'groups',
      short: 'g',
      arg: 'required',
      argName: 'regex,...',
      help: 'Groups to checkpoint (default .*)',
    },
    { name: 'groups-exclude', arg: 'required', argName: 'regex,...', help: 'Groups not to checkpoint' },
    { name: 'identity', help: "Keep topic names (IdentityReplicationPolicy) instead of 'A.orders'" },
    { name: 'sync-group-offsets', help: 'Commit translated offsets for groups not active on the target' },
    {
      name: 'replication-factor',
      arg: 'required',
      argName: 'n',
      help: 'Of remote topics (default 2, at most the brokers)',
    },
    {
      name: 'metrics-port',
      arg: 'required',
      argName: 'port',
      help: `Metrics and status port (default ${MIRROR_METRICS_PORT}; 0: off)`,
    },
    {
      name: 'metrics-host',
      arg: 'required',
      argName: 'host',
      help: 'Metrics and status host (default: all interfaces)',
    },
  ],
  notes: [
    '-X key=value sets any MirrorMaker 2 property (offset.lag.max=50, B.offset.flush.interval.ms=10000,',
    'A.consumer.fetch.min.bytes=1024, ...); --brokers does not apply: the clusters are --from and --to.',
  ],
  examples: [
    "samsa mirror --from A=localhost:9092 --to B=localhost:19092 --topics 'orders.*'",
    'samsa mirror --from A=kafka-a:9092 --to B=kafka-b:9092 --sync-group-offsets -X offset.lag.max=50',
    'samsa mirror --from localhost:9092 --to localhost:19092 --identity',
    'samsa mirror status',
  ],
  async run(args: ParsedArgs): Promise<number> {
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const props = mirrorProps(args);
    const port = args.int('metrics-port', { min: 0, max: 65535 }) ?? MIRROR_METRICS_PORT;
    return runMirror(props, {
      name: 'samsa mirror',
      metricsPort: port,
      metricsHost: args.get('metrics-host') ?? '',
    });
  },
};
