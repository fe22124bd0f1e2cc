// `globalSetup: ['samsa/vitest-setup']` in vitest.config: one in-memory broker for the whole run, its
// address in process.env.KAFKA_BOOTSTRAP_SERVERS (and `inject('KAFKA_BOOTSTRAP_SERVERS')`).
import { globalBrokerSetup } from './global-setup.js';

const samsa = globalBrokerSetup();

export const setup = samsa.setup;
export const teardown = samsa.teardown;
