// `samsa console`: the web console against a cluster, until interrupted. Its settings are flags or
// `console.*` keys (-X, or a properties file with --config); other keys are client settings.
// The console is imported only once the options are read, so `--help` stays fast.
import { parseArgs } from 'node:util';
import { loadProps, parseKeyValues } from '../client-config.js';
import { DEFAULT_BROKERS } from '../lib/samsa-common.js';

const HELP = `Usage: samsa console [options]

Runs the web console against a Kafka cluster (Samsa or Apache Kafka) until interrupted:
cluster, topics, messages and consumer groups in a browser, at http://localhost:8080 by default.

Options:
  -b, --brokers HOST:PORT  bootstrap servers (default $SAMSA_BROKERS, else ${DEFAULT_BROKERS})
  --port N                 listen on port N (default 8080; 0 picks a free port)
  --host HOST              listen on HOST (default localhost; 0.0.0.0 for every interface)
  --read-only              allow no change: nothing created, altered or deleted
  --config FILE            a properties file of console.* keys and client settings
  -X KEY=VALUE             a console.* key or a client setting (repeatable)
  -h, --help               show this help

Console keys:
  console.auth             none (default), basic or token: require a login
  console.auth.users       basic: user:password pairs separated by commas
  console.auth.token       token: the token to log in with (8 characters or more)
  console.read.only        true: the same as --read-only
  console.refresh.ms       how often pages refresh and lag is sampled (default 5000)

Examples:
  samsa console
  samsa console -b broker1:9092,broker2:9092 --port 9000
  samsa console --read-only -X console.auth=token -X console.auth.token=s3cret-token`;

export async function run(args: string[]): Promise<number> {
  let values: ReturnType<typeof parse>['values'];
  let props: Record<string, string>;
  try {
    values = parse(args).values;
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    props = {
      ...(values.config ? loadProps(values.config, '--config') : {}),
      ...parseKeyValues(values.X ?? [], '-X'),
    };
  } catch (err) {
    console.error(`samsa console: ${(err as Error).message}. Run 'samsa console --help' for the options.`);
    return 1;
  }
  const keys: Record<string, string> = {};
  const client: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) (k.startsWith('console.') ? keys : client)[k] = v;
  if (values.port !== undefined) keys['console.port'] = values.port;
  if (values.host !== undefined) keys['console.host'] = values.host;
  if (values['read-only']) keys['console.read.only'] = 'true';
  const brokers =
    values.brokers ?? client['bootstrap.servers'] ?? process.env.SAMSA_BROKERS ?? DEFAULT_BROKERS;
  delete client['bootstrap.servers'];
  const { parseConsoleKeys, startConsole } = await import('../../console/index.js');
  const parsed = parseConsoleKeys(brokers, keys, client);
  if (!parsed.ok) {
    console.error(`samsa console: ${parsed.error}`);
    return 1;
  }
  let running: Awaited<ReturnType<typeof startConsole>>;
  try {
    running = await startConsole(parsed.value);
  } catch (err) {
    const message = (err as Error).message;
    console.error(`samsa ${message}${message.endsWith('in use') ? '; choose another with --port N' : ''}`);
    return 1;
  }
  console.log(
    `Samsa console on ${running.url} (brokers ${brokers}${parsed.value.readOnly ? ', read-only' : ''})`,
  );
  return new Promise<number>((resolve) => {
    const stop = () => {
      running.close().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

function parse(args: string[]) {
  return parseArgs({
    args,
    options: {
      brokers: { type: 'string', short: 'b' },
      port: { type: 'string' },
      host: { type: 'string' },
      'read-only': { type: 'boolean' },
      config: { type: 'string' },
      X: { type: 'string', short: 'X', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
}
