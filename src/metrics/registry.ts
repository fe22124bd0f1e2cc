// Collectors write their families into one exposition per scrape. A collector reads state it does not
// own (counters, gauges computed from the node), so a scrape costs what the scrape reads and nothing
// between scrapes.
import { Exposition } from './exposition.js';

export type Collector = (w: Exposition) => void | Promise<void>;

export class MetricsRegistry {
  private readonly collectors: { name: string; collect: Collector }[] = [];

  constructor(private readonly onError: (collector: string, err: unknown) => void = () => {}) {}

  /** Adds a collector; scrapes run them in the order added. */
  add(name: string, collect: Collector): void {
    this.collectors.push({ name, collect });
  }

  /**
   * Runs every collector. One that fails is reported in `samsa_scrape_collector_errors` (labelled
   * with its name) instead of failing the whole scrape.
   */
  async scrape(): Promise<string> {
    const w = new Exposition();
    const failed: string[] = [];
    for (const c of this.collectors) {
      try {
        await c.collect(w);
      } catch (err) {
        failed.push(c.name);
        this.onError(c.name, err);
      }
    }
    w.family(
      'samsa_scrape_collector_errors',
      'gauge',
      'Collectors that failed during this scrape (1 each); their families may be missing.',
    );
    for (const name of failed) w.sample([['collector', name]], 1);
    return w.text();
  }
}
