// Repeating jobs (topic refresh, config sync, checkpoints, heartbeats): a run never overlaps the
// previous one, a failed run is logged and the job goes on, and stop() waits for the run in progress.
import { describeError, type MirrorLogger } from './logger.js';

export class Repeating {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly what: string,
    private readonly intervalMs: number,
    private readonly job: () => Promise<unknown>,
    private readonly log: MirrorLogger,
  ) {}

  /** Runs now (or after the first interval with `delayed`), then every interval after each run ends. */
  start(options: { delayed?: boolean } = {}): this {
    if (options.delayed) this.arm();
    else this.runOnce();
    return this;
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.runOnce(), this.intervalMs);
    this.timer.unref();
  }

  private runOnce(): void {
    this.timer = null;
    if (this.stopped) return;
    this.running = this.job()
      .then(
        () => {},
        (err) => this.log.warn(`${this.what} failed: ${describeError(err)}`),
      )
      .finally(() => {
        this.running = null;
        this.arm();
      });
  }

  /** Runs the job now (between scheduled runs), waiting for one in progress first. */
  async now(): Promise<void> {
    if (this.running) await this.running;
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.runOnce();
    await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
