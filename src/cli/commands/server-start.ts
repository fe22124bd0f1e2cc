// `samsa server start` and `kafka-server-start.sh`: loads the broker config (developer defaults, a
// server.properties file, KAFKA_* variables, --override), prepares the log dirs and runs the broker
// until SIGINT/SIGTERM. Bad configuration is one readable line and exit code 1.
// The broker is imported only once the options are read, so `--help` does not load it.
import { parseArgs } from 'node:util';
import type { BrokerNode } from '../../broker/node.js';

/** The name of the logs of a broker started with --memory: never a path on disk. */
const MEMORY_LOG_DIR = '/in-memory/samsa-logs';

const HELP = `Usage: samsa server start [options]

Runs a Samsa broker (a combined broker and controller) until interrupted. Without a config file it
uses developer defaults: node 1, PLAINTEXT://localhost:9092, data in ./data (created and formatted on
first start), topics created on first use, no initial rebalance delay.

Options:
  --port N              listen on port N (default 9092; 0 picks a free port)
  --host HOST           listen on HOST (default localhost)
  --data-dir DIR        keep data in DIR (default ./data)
  --memory              keep everything in memory: nothing is written to disk, all is lost on exit
  --config FILE         read a Kafka server.properties file instead of the developer defaults
  --override KEY=VALUE  set any broker config key (repeatable)
  --metrics-port N      serve /metrics, /health and /ready on port N (default 9404, as
                        metrics.port; 0 turns the endpoint off)
  --console             also run the web console (http://localhost:8080; console.port,
                        console.auth, ... set it up, see 'samsa console --help')
  -h, --help            show this help

KAFKA_* environment variables set config keys as in the apache/kafka container image
(KAFKA_LOG_DIRS sets log.dirs).

Examples:
  samsa server start
  samsa server start --port 19092 --data-dir /tmp/samsa
  samsa server start --memory --port 0
  samsa server start --console
  samsa server start --override num.partitions=3 --override log.retention.hours=1
  samsa server start --config config/server.properties`;

export interface StartOptions {
  file?: string;
  overrides: string[];
  /** Developer defaults apply unless a config file is given. */
  developerDefaults: boolean;
  /** Logs in memory (the embedded broker's storage): no log dir, no meta.properties, a new cluster id. */
  memory?: boolean;
  /** Also run the web console, as a client of this broker. */
  console?: boolean;
  commandName: string;
}

export async function run(args: string[]): Promise<number> {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(args).values;
  } catch (err) {
    console.error(
      `samsa server start: ${(err as Error).message}. Run 'samsa server start --help' for the options.`,
    );
    return 1;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.memory && values['data-dir'] !== undefined) {
    console.error('samsa server start: --memory keeps nothing on disk, so it cannot take --data-dir.');
    return 1;
  }
  // In memory, log.dirs only names the logs (in DescribeLogDirs); an --override may rename them.
  const overrides = [...(values.memory ? [`log.dirs=${MEMORY_LOG_DIR}`] : []), ...(values.override ?? [])];
  if (values.port !== undefined || values.host !== undefined) {
    overrides.push(`listeners=PLAINTEXT://${values.host ?? 'localhost'}:${values.port ?? 9092}`);
  }
  if (values['data-dir'] !== undefined) overrides.push(`log.dirs=${values['data-dir']}`);
  if (values['metrics-port'] !== undefined) overrides.push(`metrics.port=${values['metrics-port']}`);
  return startServer({
    file: values.config,
    overrides,
    developerDefaults: values.config === undefined,
    commandName: 'samsa server start',
    memory: values.memory,
    console: values.console,
  });
}

/** Loads the config, starts the node, prints the ready line and waits for a signal. */
export async function startServer(options: StartOptions): Promise<number> {
  const startedMs = performance.now();
  // Signal handlers go in first: a signal that arrives while the broker starts (or the instant its
  // ready line is out) must still mean "stop cleanly", never the default of dying on the spot.
  const signals = new SignalLatch();
  const fail = (message: string) => {
    console.error(`${options.commandName}: ${message}`);
    return 1;
  };
  const [
    { readFileSync },
    { Logger },
    { randomClusterId },
    { BrokerNode },
    { DEVELOPER_DEFAULTS, loadBrokerConfig },
    { prepareLogDirs },
  ] = await Promise.all([
    import('node:fs'),
    import('../../broker/logger.js'),
    import('../../broker/meta-properties.js'),
    import('../../broker/node.js'),
    import('../../config/index.js'),
    import('./server-dirs.js'),
  ]);
  let text: string | undefined;
  if (options.file) {
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (err) {
      signals.release();
      return fail(
        `cannot read ${options.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  }
  const loaded = loadBrokerConfig({
    text,
    fileName: options.file,
    overrides: options.overrides,
    env: process.env,
    base: options.developerDefaults ? DEVELOPER_DEFAULTS : undefined,
  });
  if (!loaded.ok) {
    signals.release();
    return fail(loaded.error);
  }
  const config = loaded.config;
  const log = Logger.create({
    level: config.logLevel,
    levels: config.logLevels,
    format: config.logFormat === 'auto' ? undefined : config.logFormat,
  });
  for (const w of config.warnings) log.warn(w);
  for (const n of config.notes) log.debug(n);
  let clusterId: string | undefined = options.memory ? randomClusterId() : undefined;
  if (!options.memory) {
    const prepared = await prepareLogDirs(config, (message) => log.info(message));
    if (!prepared.ok) {
      signals.release();
      return fail(prepared.error);
    }
    clusterId = prepared.clusterId;
  }
  // The metrics endpoint listens on the host of the first client listener (all interfaces when that
  // one does); metrics.port=0 turns metrics off.
  const metricsHost =
    config.listeners.find((l) => !config.controllerListenerNames.includes(l.name))?.host ?? '';
  const metrics = config.metricsPort > 0 ? { port: config.metricsPort, host: metricsHost } : undefined;
  let node: BrokerNode;
  // A fatal problem after start (another cluster's controllers, a failed metadata write): one line,
  // a clean stop, exit code 1.
  let fatalError: Error | null = null;
  const fatal = (err: Error) => {
    if (fatalError) return;
    fatalError = err;
    console.error(`${options.commandName}: ${err.message}`);
    signals.fail();
  };
  try {
    node = await BrokerNode.start({
      config,
      clusterId: clusterId as string,
      log,
      storage: options.memory ? 'memory' : 'disk',
      metrics,
      onFatal: fatal,
    });
  } catch (err) {
    signals.release();
    // Already said in one line (the start failed because of it): exit without a second one.
    if (fatalError) return 1;
    fatalError = err as Error;
    const message = (err as Error).message;
    if (message.startsWith('metrics endpoint:'))
      return fail(`${message}; choose another with --metrics-port N (or metrics.port), or 0 to turn it off`);
    return fail(message);
  }
  const l = node.listeners[0] ?? node.controllerListeners[0];
  const elapsedMs = Math.round(performance.now() - startedMs);
  const role = !node.isBroker
    ? 'controller'
    : config.standalone || !config.processRoles.includes('controller')
      ? 'broker'
      : 'node';
  const shown = node.listeners.length > 0 ? node.listeners : node.controllerListeners;
  const where = shown.map((b) => `${b.name}://${b.host || '0.0.0.0'}:${b.boundPort}`).join(',');
  const extra =
    node.isBroker && node.controllerListeners.length > 0
      ? `, controller on ${node.controllerListeners[0].boundPort}`
      : '';
  console.log(
    `Samsa ${role} ${config.nodeId} ready on ${where}${extra} (cluster ${clusterId}${options.memory ? ', in memory' : ''}) in ${elapsedMs} ms`,
  );
  const m = node.metricsAddress;
  if (m) console.log(`Metrics on http://${m.host || '0.0.0.0'}:${m.port}/metrics (health: /health, /ready)`);
  const webConsole = options.console ? await startWebConsole(config, l.host, l.boundPort) : null;
  if (webConsole && 'error' in webConsole) {
    await node.stop(4000).catch(() => {});
    signals.release();
    return fail(webConsole.error);
  }
  if (webConsole) console.log(`Console on ${webConsole.url}`);
  const code = await signals.stopOnSignal(node, config.nodeId, webConsole ?? undefined);
  return fatalError ? 1 : code;
}

/**
 * The web console of --console: a client of this broker through its first listener, set up by the
 * broker config's console.* keys.
 */
async function startWebConsole(
  config: import('../../config/index.js').BrokerConfig,
  listenerHost: string,
  port: number,
): Promise<{ url: string; close(): Promise<void> } | { error: string }> {
  const { parseConsoleKeys, startConsole } = await import('../../console/index.js');
  const keys: Record<string, string> = {};
  for (const name of [
    'console.port',
    'console.host',
    'console.auth',
    'console.auth.users',
    'console.auth.token',
    'console.read.only',
    'console.refresh.ms',
  ]) {
    const v = config.get(name)?.value;
    if (v !== null && v !== undefined) keys[name] = String(v);
  }
  const host = !listenerHost || listenerHost === '0.0.0.0' ? 'localhost' : listenerHost;
  keys['console.host'] ??= listenerHost || 'localhost';
  const parsed = parseConsoleKeys(`${host.includes(':') ? `[${host}]` : host}:${port}`, keys);
  if (!parsed.ok) return { error: parsed.error };
  try {
    return await startConsole(parsed.value);
  } catch (err) {
    const message = (err as Error).message;
    return {
      error: `${message}${message.endsWith('in use') ? '; choose another with --override console.port=N' : ''}`,
    };
  }
}

/** Catches SIGINT and SIGTERM from the start; once the node runs, the first one stops it. */
class SignalLatch {
  private received: string | null = null;
  private onSignal: ((signal: string) => void) | null = null;
  private readonly handlers = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
    const handler = () => {
      // A second signal while stopping is ignored: the broker is already on its way out.
      if (this.received !== null) return;
      this.received = signal;
      this.onSignal?.(signal);
    };
    process.on(signal, handler);
    return { signal, handler };
  });

  /** Gives signals their default meaning again (the start failed; nothing to stop). */
  release(): void {
    for (const { signal, handler } of this.handlers) process.off(signal, handler);
  }

  /** The node cannot go on: stop it as a signal would. */
  fail(): void {
    if (this.received !== null) return;
    this.received = 'fatal';
    this.onSignal?.('fatal');
  }

  stopOnSignal(node: BrokerNode, nodeId: number, webConsole?: { close(): Promise<void> }): Promise<number> {
    return new Promise<number>((resolve) => {
      const stop = (signal: string) => {
        console.log(`Samsa ${node.isBroker ? 'broker' : 'controller'} ${nodeId} stopping (${signal})`);
        const force = setTimeout(() => resolve(1), 5000);
        force.unref();
        // The console first: it is a client of this broker and would only see it go.
        Promise.resolve(webConsole?.close().catch(() => {}))
          .then(() => node.stop(4000))
          .then(
            () => resolve(0),
            () => resolve(1),
          );
      };
      if (this.received !== null) stop(this.received);
      else this.onSignal = stop;
    });
  }
}

function parse(args: string[]) {
  return parseArgs({
    args,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      memory: { type: 'boolean' },
      config: { type: 'string' },
      override: { type: 'string', multiple: true },
      'metrics-port': { type: 'string' },
      console: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
}
