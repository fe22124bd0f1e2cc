// `globalSetup: 'samsa/jest-setup'` in jest.config (with `globalTeardown: 'samsa/jest-teardown'`): one
// in-memory broker for the whole run, its address in process.env.KAFKA_BOOTSTRAP_SERVERS.
import { globalBrokerSetup } from './global-setup.js';

export default async function globalSetup(): Promise<void> {
  await globalBrokerSetup().setup();
}
