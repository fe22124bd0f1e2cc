// One broker for a whole test run: started by a test runner's global setup (vitest, jest), announced to
// the test workers through an environment variable (KAFKA_BOOTSTRAP_SERVERS), stopped by the teardown.
// Workers are started after the global setup, so they inherit the variable.
import { startBroker } from './broker.js';
import type { EmbeddedBroker, StartBrokerOptions } from './types.js';

export interface GlobalBrokerSetupOptions extends StartBrokerOptions {
  /** The variable that carries "host:port" to the tests (default 'KAFKA_BOOTSTRAP_SERVERS'). */
  envVar?: string;
}

/** What vitest's `provide` looks like (vitest 1+ hands it to a global setup). */
interface ProvideContext {
  provide?: (key: string, value: unknown) => void;
}

export interface GlobalBrokerSetup {
  /** Starts the broker and sets the variable; returns the teardown (vitest accepts it as such). */
  setup(context?: unknown): Promise<() => Promise<void>>;
  /** Stops the broker and restores the variable; safe to call twice. */
  teardown(): Promise<void>;
  /** The running broker (in the process that ran `setup`), or null. */
  readonly broker: EmbeddedBroker | null;
}

interface Running {
  broker: EmbeddedBroker;
  envVar: string;
  previous: string | undefined;
}

/** jest loads its global setup and teardown as separate modules: the running broker is kept here. */
const RUNNING = Symbol.for('samsa.embedded.globalBroker');
type Global = typeof globalThis & { [RUNNING]?: Map<string, Running> };

function running(): Map<string, Running> {
  const g = globalThis as Global;
  g[RUNNING] ??= new Map();
  return g[RUNNING];
}

export function globalBrokerSetup(options: GlobalBrokerSetupOptions = {}): GlobalBrokerSetup {
  const { envVar = 'KAFKA_BOOTSTRAP_SERVERS', ...brokerOptions } = options;
  const teardown = async () => {
    const r = running().get(envVar);
    if (!r) return;
    running().delete(envVar);
    if (r.previous === undefined) delete process.env[envVar];
    else process.env[envVar] = r.previous;
    await r.broker.stop();
  };
  return {
    async setup(context?: unknown) {
      if (running().has(envVar)) throw new Error(`a global embedded broker for ${envVar} is already running`);
      const broker = await startBroker(brokerOptions);
      running().set(envVar, { broker, envVar, previous: process.env[envVar] });
      process.env[envVar] = broker.bootstrapServers;
      (context as ProvideContext | undefined)?.provide?.(envVar, broker.bootstrapServers);
      return teardown;
    },
    teardown,
    get broker() {
      return running().get(envVar)?.broker ?? null;
    },
  };
}
