#!/usr/bin/env node
// The `samsa` command. Subcommands load lazily so `--help` and quick commands start fast.
import { CommandError, SAMSA_VERSION, UsageError } from './args.js';
import type { Command } from './lib/samsa-common.js';
import { eprintln, errorMessage, println, runTool } from './tool.js';

type Loader = () => Promise<{ command: Command }>;

const COMMANDS: [string, string, Loader][] = [
  ['topic create', 'create topics', () => import('./commands/topic-create.js')],
  ['topic list', 'list topics', () => import('./commands/topic-list.js')],
  [
    'topic describe',
    'describe topics: configs, partitions, watermarks',
    () => import('./commands/topic-describe.js'),
  ],
  ['topic alter', 'add partitions, set or remove topic configs', () => import('./commands/topic-alter.js')],
  ['topic delete', 'delete topics', () => import('./commands/topic-delete.js')],
  ['produce', 'send records (arguments or stdin lines)', () => import('./commands/topic-produce.js')],
  ['consume', 'print records, from the oldest by default', () => import('./commands/topic-consume.js')],
  ['group list', 'list consumer groups', () => import('./commands/group-list.js')],
  ['group describe', 'offsets, lag and members of groups', () => import('./commands/group-describe.js')],
  ['group reset', 'move the committed offsets of a group', () => import('./commands/group-reset.js')],
  ['group delete', 'delete groups or their offsets', () => import('./commands/group-delete.js')],
  [
    'config get',
    'show configs of a topic, a broker or the cluster',
    () => import('./commands/config-get.js'),
  ],
  ['config set', 'set or remove configs', () => import('./commands/config-set.js')],
  ['txn list', 'list transactional ids and their state', () => import('./commands/txn-list.js')],
  ['txn describe', 'state and partitions of transactional ids', () => import('./commands/txn-describe.js')],
  ['txn producers', "active producers of a topic's partitions", () => import('./commands/txn-producers.js')],
  ['txn hanging', 'find transactions no coordinator will end', () => import('./commands/txn-hanging.js')],
  ['txn abort', 'abort a hanging transaction', () => import('./commands/txn-abort.js')],
  [
    'cluster info',
    'cluster id, controller, brokers and the metadata quorum',
    () => import('./commands/cluster-info.js'),
  ],
  [
    'dev cluster',
    'a local cluster of N processes (Ctrl-C stops all)',
    () => import('./commands/dev-cluster.js'),
  ],
  ['acl list', 'list ACLs', () => import('./commands/acl.js').then((m) => ({ command: m.list }))],
  [
    'acl add',
    'allow or deny a principal an operation',
    () => import('./commands/acl.js').then((m) => ({ command: m.add })),
  ],
  ['acl remove', 'remove ACLs', () => import('./commands/acl.js').then((m) => ({ command: m.remove }))],
  [
    'user list',
    'SCRAM users',
    () => import('./commands/user-quota.js').then((m) => ({ command: m.userList })),
  ],
  [
    'user set',
    'create a SCRAM user or change its password',
    () => import('./commands/user-quota.js').then((m) => ({ command: m.userSet })),
  ],
  [
    'user delete',
    'remove SCRAM users',
    () => import('./commands/user-quota.js').then((m) => ({ command: m.userDelete })),
  ],
  [
    'quota list',
    'client quotas',
    () => import('./commands/user-quota.js').then((m) => ({ command: m.quotaList })),
  ],
  [
    'quota set',
    'set or remove client quotas',
    () => import('./commands/user-quota.js').then((m) => ({ command: m.quotaSet })),
  ],
  ['mirror', 'mirror topics to another cluster (MirrorMaker 2)', () => import('./commands/mirror-start.js')],
  ['mirror status', 'lag and state of a running mirror', () => import('./commands/mirror-status.js')],
];

const ALIASES: Record<string, string> = {
  'topic produce': 'produce',
  'topic consume': 'consume',
  'topic ls': 'topic list',
  'group ls': 'group list',
  'group seek': 'group reset',
  'acl ls': 'acl list',
  'user ls': 'user list',
  'quota ls': 'quota list',
  'txn ls': 'txn list',
};

const USAGE = `Usage: samsa <command> [options]

Commands:
${[
  ...COMMANDS.map(([n, d]) => [n, d]),
  ['server start', 'run a Samsa broker (localhost:9092, data in ./data)'],
  ['console', 'the web console (http://localhost:8080)'],
]
  .map(([n, d]) => `  ${n.padEnd(16)}${d}`)
  .join('\n')}

Every command takes --brokers host:port (or $SAMSA_BROKERS; default localhost:9092), --json,
--timeout and -X key=value client settings. Run 'samsa <command> --help' for its options and
examples. Kafka's own tools come along too: kafka-topics.sh, kafka-console-consumer.sh, ...

Examples:
  samsa server start
  samsa topic create orders -p 3
  echo hello | samsa produce orders
  samsa consume orders -n 1
  samsa group describe billing`;

function findCommand(argv: readonly string[]): { name: string; rest: string[] } | null {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(' ');
    const target = ALIASES[name] ?? name;
    if (COMMANDS.some(([n]) => n === target) || target === 'server start' || target === 'console')
      return { name: target, rest: argv.slice(words) };
  }
  return null;
}

/** Connection flags given before the command words (`samsa -b host:9092 topic list`) move after them. */
function hoistGlobals(argv: readonly string[]): string[] {
  const leading: string[] = [];
  let i = 0;
  while (
    i < argv.length &&
    argv[i].startsWith('-') &&
    argv[i] !== '-h' &&
    argv[i] !== '--help' &&
    argv[i] !== '--version'
  ) {
    const takesValue = /^(-b|--brokers|--timeout|-X)$/.test(argv[i]);
    leading.push(...argv.slice(i, i + (takesValue ? 2 : 1)));
    i += takesValue ? 2 : 1;
  }
  return [...argv.slice(i), ...leading];
}

async function main(rawArgv: string[]): Promise<number> {
  let argv = hoistGlobals(rawArgv);
  if (argv[0] === 'help') argv = [...argv.slice(1), '--help'];
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    println(USAGE);
    return 0;
  }
  if (argv[0] === '--version' || argv[0] === 'version') {
    println(`samsa ${SAMSA_VERSION}`);
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = COMMANDS.filter(([n]) => n.startsWith(`${argv[0]} `));
    if (group.length > 0 && (argv.length === 1 || argv[1].startsWith('-'))) {
      println(`Usage: samsa ${argv[0]} <command> [options]\n\nCommands:`);
      for (const [n, d] of group) println(`  ${n.padEnd(16)}${d}`);
      return argv.length === 1 || argv[1] === '--help' || argv[1] === '-h' ? 0 : 1;
    }
    eprintln(`samsa: unknown command '${argv.join(' ')}'. Run 'samsa --help' for the list.`);
    return 1;
  }
  if (found.name === 'server start') {
    const { run } = await import('./commands/server-start.js');
    return run(found.rest);
  }
  if (found.name === 'console') {
    const { run } = await import('./commands/console.js');
    return run(found.rest);
  }
  const loader = COMMANDS.find(([n]) => n === found.name)?.[2] as Loader;
  const [{ command }, { runCommand }] = await Promise.all([loader(), import('./lib/samsa-common.js')]);
  try {
    return await runCommand(command, found.rest);
  } catch (err) {
    if (err instanceof UsageError) {
      throw new UsageError(
        `${command.name}: ${err.message}\nRun 'samsa ${command.name} --help' for the options.`,
      );
    }
    if (err instanceof CommandError) throw new CommandError(`${command.name}: ${err.message}`, err.exitCode);
    throw new CommandError(`${command.name}: ${errorMessage(err)}`);
  }
}

runTool('samsa', main, { usageHint: '' });
