// What every route of the console shares: one admin client (its connections pipelined), a producer
// made on first use, the sampler of throughput and lag, and the options.
import { Admin } from '../client/admin.js';
import { Producer } from '../client/producer.js';
import { Sampler } from './data/sampler.js';
import type { ConsoleOptions } from './options.js';

export const CLIENT_ID = 'samsa-console';
/** Calls the console makes on a page's behalf give up after this long. */
export const CALL_TIMEOUT_MS = 15_000;
/**
 * How long a call to one named broker (its log dirs, versions, features) keeps retrying a broker it
 * cannot reach: a node that died is listed until the controller fences it, and a page must not wait
 * the full call timeout for it. A broker that answers slowly is not cut short by this.
 */
export const BROKER_RETRY_MS = 2_000;

export class ConsoleContext {
  readonly admin: Admin;
  readonly sampler: Sampler;
  private producerInstance: Producer | null = null;

  constructor(readonly options: ConsoleOptions) {
    this.admin = new Admin(this.clientConfig());
    this.sampler = new Sampler(this);
  }

  clientConfig(): Record<string, string | number | boolean | string[]> {
    return {
      'client.id': CLIENT_ID,
      'default.api.timeout.ms': CALL_TIMEOUT_MS,
      ...this.options.client,
      // Reading or producing never creates a topic: the producer's metadata refreshes (after a node
      // went, say) would otherwise bring back a topic just deleted in the page, with the broker defaults.
      'allow.auto.create.topics': false,
      'bootstrap.servers': this.options.brokers,
    };
  }

  /** A client of its own, for long polls that must not hold up the shared connections (a tail). */
  privateAdmin(): Admin {
    return new Admin(this.clientConfig());
  }

  producer(): Producer {
    if (!this.producerInstance)
      this.producerInstance = new Producer({ ...this.clientConfig(), 'linger.ms': 0 });
    return this.producerInstance;
  }

  async close(): Promise<void> {
    await this.sampler.stop();
    await Promise.allSettled([this.admin.close(), this.producerInstance?.close()]);
  }
}
