// `globalTeardown: 'samsa/jest-teardown'`: stops the broker `samsa/jest-setup` started.
import { globalBrokerSetup } from './global-setup.js';

export default async function globalTeardown(): Promise<void> {
  await globalBrokerSetup().teardown();
}
