// The global setups for test runners, called as vitest and jest call them (without the runners):
// one broker, its address in KAFKA_BOOTSTRAP_SERVERS (and vitest's provide), stopped by the teardown.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { globalBrokerSetup } from '../../src/embedded/index.js';
import globalSetupJest from '../../src/embedded/jest-setup.js';
import globalTeardownJest from '../../src/embedded/jest-teardown.js';
import * as vitestSetup from '../../src/embedded/vitest-setup.js';

/** Read through a function: TypeScript would otherwise narrow the variable after a `delete`. */
function bootstrapVariable(): string | undefined {
  return process.env.KAFKA_BOOTSTRAP_SERVERS;
}

async function reachable(bootstrap: string): Promise<string[]> {
  const admin = new Kafka({
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  }).admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).filter((t) => !t.startsWith('__'));
  } finally {
    await admin.disconnect();
  }
}

test('vitest: setup sets KAFKA_BOOTSTRAP_SERVERS and provides it; the returned teardown restores it', async () => {
  const before = process.env.KAFKA_BOOTSTRAP_SERVERS;
  process.env.KAFKA_BOOTSTRAP_SERVERS = 'previous:9092';
  const provided = new Map<string, unknown>();
  try {
    const teardown = await vitestSetup.setup({ provide: (k: string, v: unknown) => provided.set(k, v) });
    const bootstrap = process.env.KAFKA_BOOTSTRAP_SERVERS;
    assert.match(bootstrap ?? '', /^127\.0\.0\.1:\d+$/);
    assert.equal(provided.get('KAFKA_BOOTSTRAP_SERVERS'), bootstrap);
    assert.deepEqual(await reachable(bootstrap as string), []);
    await assert.rejects(vitestSetup.setup(), /already running/);
    await teardown();
    await vitestSetup.teardown(); // vitest may call both; the second does nothing
    assert.equal(process.env.KAFKA_BOOTSTRAP_SERVERS, 'previous:9092');
    await assert.rejects(reachable(bootstrap as string));
  } finally {
    await vitestSetup.teardown();
    if (before === undefined) delete process.env.KAFKA_BOOTSTRAP_SERVERS;
    else process.env.KAFKA_BOOTSTRAP_SERVERS = before;
  }
});

test('jest: globalSetup and globalTeardown are separate modules sharing the broker', async () => {
  const before = process.env.KAFKA_BOOTSTRAP_SERVERS;
  delete process.env.KAFKA_BOOTSTRAP_SERVERS;
  try {
    await globalSetupJest();
    const bootstrap = bootstrapVariable();
    assert.ok(bootstrap);
    assert.deepEqual(await reachable(bootstrap), []);
    await globalTeardownJest();
    assert.equal(bootstrapVariable(), undefined);
  } finally {
    await globalTeardownJest();
    if (before !== undefined) process.env.KAFKA_BOOTSTRAP_SERVERS = before;
  }
});

test('globalBrokerSetup takes broker options and another variable name', async () => {
  const samsa = globalBrokerSetup({ envVar: 'MY_KAFKA', topics: { orders: 3 } });
  await samsa.setup();
  try {
    assert.equal(process.env.MY_KAFKA, samsa.broker?.bootstrapServers);
    assert.deepEqual(await reachable(process.env.MY_KAFKA as string), ['orders']);
  } finally {
    await samsa.teardown();
  }
  assert.equal(process.env.MY_KAFKA, undefined);
  assert.equal(samsa.broker, null);
});
