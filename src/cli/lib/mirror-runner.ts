// Running the mirror from the command line (`connect-mirror-maker.sh` and `samsa mirror`): resolve
// the MirrorMaker 2 properties (every problem one line on stderr, exit code 1), start the flows and
// the metrics endpoint, print one ready line, and stop cleanly on SIGINT or SIGTERM (records in flight
// land and the progress is written before exit 0). The mirror is imported only here, lazily.
import { UsageError } from '../args.js';
import { clientSettings, type Props } from '../client-config.js';
import { eprintln } from '../tool.js';

/** The mirror's default metrics port: the broker's 9404 plus one, so both fit on one host. */
export const MIRROR_METRICS_PORT = 9405;

export interface RunMirrorOptions {
  /** The command, for messages (`connect-mirror-maker.sh`). */
  name: string;
  /** `--clusters`: only the flows into these clusters. */
  targets?: string[];
  metricsPort: number;
  metricsHost: string;
}

/** A client filter that maps Kafka client properties and warns once per dropped key. */
function clientFilter(): (props: Record<string, string>) => Record<string, string> {
  const warned = new Set<string>();
  return (props) =>
    clientSettings(props, (text) => {
      if (warned.has(text)) return;
      warned.add(text);
      eprintln(text);
    });
}

export async function runMirror(props: Props, options: RunMirrorOptions): Promise<number> {
  const startedMs = performance.now();
  const mirror = await import('../../mirror/index.js');
  const parsed = mirror.parseMirrorConfig(props, { targets: options.targets });
  if (!parsed.ok) {
    for (const e of parsed.errors) eprintln(`${options.name}: ${e}`);
    return 1;
  }
  const filter = clientFilter();
  // TLS/SASL settings are refused by the client mapping: check them before starting anything.
  try {
    for (const f of parsed.config.flows) for (const c of Object.values(f.clients)) filter(c);
  } catch (err) {
    if (err instanceof UsageError) {
      eprintln(`${options.name}: ${err.message}`);
      return 1;
    }
    throw err;
  }
  const log = mirror.createLogger();
  const mm = new mirror.MirrorMaker(parsed.config, {
    log,
    clientFilter: (p) => filter(p),
    metrics: options.metricsPort > 0 ? { host: options.metricsHost, port: options.metricsPort } : null,
  });
  let stopping: Promise<void> | null = null;
  const done = new Promise<number>((resolve) => {
    const onSignal = (signal: string) => {
      if (stopping) return;
      console.log(`Samsa mirror stopping (${signal})`);
      const force = setTimeout(() => resolve(1), 30_000);
      force.unref();
      stopping = mm.stop().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.on('SIGINT', () => onSignal('SIGINT'));
    process.on('SIGTERM', () => onSignal('SIGTERM'));
  });
  try {
    await mm.start();
  } catch (err) {
    const message = (err as Error).message;
    eprintln(
      `${options.name}: ${message}${message.startsWith('metrics endpoint:') ? '; choose another with --metrics-port N, or 0 to turn it off' : ''}`,
    );
    await mm.stop().catch(() => {});
    return 1;
  }
  const ready = mm.ready.then(() => {
    const flows = parsed.config.flows.filter((f) => f.enabled).map((f) => `${f.source}->${f.target}`);
    const m = mm.metricsAddress;
    const where = m ? `; metrics on http://${m.host || '0.0.0.0'}:${m.port}/metrics` : '';
    console.log(
      `Samsa mirror ready: ${flows.join(', ')}${where} (in ${Math.round(performance.now() - startedMs)} ms)`,
    );
  });
  await Promise.race([ready, done]);
  return done;
}
