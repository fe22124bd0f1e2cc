// The mirror process: every flow of a MirrorMaker 2 configuration, an HTTP endpoint with /metrics
// (Prometheus), /health, /ready and /mirror/status (the JSON `samsa mirror status` prints), and a
// clean stop. A flow that cannot start yet (a cluster not up) is retried until it can; `ready`
// resolves once every flow has started once.
import { Exposition, MetricsServer, ProcessMetrics } from '../metrics/index.js';
import type { MirrorMakerConfig } from './config.js';
import { type ClientFilter, Flow, type FlowStatus } from './flow.js';
import { describeError, type MirrorLogger } from './logger.js';
import { writeMirrorMetrics } from './metrics.js';

const START_RETRY_MS = 5_000;

export interface MirrorMakerOptions {
  log: MirrorLogger;
  /** Maps Kafka client properties onto Samsa's client (drops Java-only keys, refuses TLS...). */
  clientFilter?: ClientFilter;
  /** The HTTP endpoint; omitted or port 0 with `metricsPort: null`: none. */
  metrics?: { host: string; port: number } | null;
}

export interface MirrorStatus {
  flows: FlowStatus[];
  startedMs: number;
}

export class MirrorMaker {
  readonly flows: Flow[];
  private server: MetricsServer | null = null;
  private readonly processMetrics = new ProcessMetrics();
  private stopping = false;
  private readonly retries = new Set<NodeJS.Timeout>();
  private readonly startedMs = Date.now();
  private readyResolve!: () => void;
  readonly ready = new Promise<void>((resolve) => {
    this.readyResolve = resolve;
  });

  constructor(
    private readonly config: MirrorMakerConfig,
    private readonly options: MirrorMakerOptions,
  ) {
    this.flows = config.flows.map((f) => new Flow(f, options.log, options.clientFilter));
  }

  /** The metrics endpoint's address once listening. */
  get metricsAddress(): { host: string; port: number } | null {
    return this.server ? { host: this.server.host, port: this.server.port } : null;
  }

  async start(): Promise<void> {
    for (const w of this.config.warnings) this.options.log.warn(w);
    if (this.options.metrics) {
      this.processMetrics.start();
      this.server = await MetricsServer.start({
        host: this.options.metrics.host,
        port: this.options.metrics.port,
        handlers: {
          metrics: () => this.metricsText(),
          health: () => ({ status: 200, body: { status: 'ok' } }),
          ready: () => {
            const ok = this.flows.every((f) => f.state === 'running');
            return { status: ok ? 200 : 503, body: { ready: ok } };
          },
          routes: { '/mirror/status': async () => ({ status: 200, body: this.status() }) },
          onError: (err) => this.options.log.warn(`metrics endpoint: ${describeError(err)}`),
        },
      });
    }
    let pending = this.flows.length;
    const started = () => {
      if (--pending === 0) this.readyResolve();
    };
    for (const [i, f] of this.flows.entries()) this.startFlow(f, i, started);
  }

  private startFlow(flow: Flow, index: number, started: () => void): void {
    flow.start().then(started, async (err) => {
      if (this.stopping) return;
      flow.lastError = describeError(err);
      this.options.log.error(
        `Could not start ${flow.name}: ${flow.lastError}; retrying in ${START_RETRY_MS} ms`,
      );
      await flow.stop().catch(() => {});
      if (this.stopping) return;
      const retry = new Flow(flow.config, this.options.log, this.options.clientFilter);
      retry.lastError = flow.lastError;
      this.flows[index] = retry;
      const timer = setTimeout(() => {
        this.retries.delete(timer);
        if (!this.stopping) this.startFlow(retry, index, started);
      }, START_RETRY_MS);
      this.retries.add(timer);
    });
  }

  status(): MirrorStatus {
    const now = Date.now();
    return { flows: this.flows.map((f) => f.status(now)), startedMs: this.startedMs };
  }

  async metricsText(): Promise<string> {
    const w = new Exposition();
    writeMirrorMetrics(
      w,
      this.flows.filter((f) => f.config.enabled).map((f) => f.metricsView()),
      Date.now(),
    );
    if (this.server) await this.processMetrics.collect(w);
    return w.text();
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of this.retries) clearTimeout(t);
    await Promise.all(this.flows.map((f) => f.stop().catch(() => {})));
    this.processMetrics.stop();
    await this.server?.close();
  }
}
