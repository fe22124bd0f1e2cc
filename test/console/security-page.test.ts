// The console's security page in Chromium against a broker with an authorizer: an ACL added and
// removed in the page, a SCRAM user created, a quota set; and, without an authorizer, the page says
// why it shows no ACLs. A screenshot goes to test-output/console/security.png.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { Admin } from '../../src/client/admin.js';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { type Browser, chromiumMissing, launchChromium } from '../helpers/browser.js';
import { repoRoot } from '../helpers/paths.js';

const skip = chromiumMissing('console security page in Chromium') ?? false;
let broker: BrokerProcess;
let browser: Browser;
let page: Page;
let url: string;

async function consoleAddress(b: BrokerProcess): Promise<string> {
  const until = Date.now() + 15_000;
  for (;;) {
    const m = /Console on (http:\/\/\S+)/.exec(b.logs());
    if (m) return m[1];
    if (Date.now() > until) throw new Error(`no console address in the broker's output:\n${b.logs()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('console security page in Chromium', { skip }, () => {
  before(async () => {
    broker = await startBrokerProcess({
      args: [
        '--console',
        '--override',
        'console.port=0',
        '--override',
        'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
        // The console connects as User:ANONYMOUS over PLAINTEXT here: make it the administrator.
        '--override',
        'super.users=User:ANONYMOUS',
      ],
    });
    url = await consoleAddress(broker);
    browser = await launchChromium();
    page = await browser.context.newPage();
  });

  after(async () => {
    await browser?.close();
    if (broker) {
      await broker.stop();
      removeDataDir(broker.dataDir);
    }
  });

  test('ACLs, SCRAM users and quotas: listed, added and removed in the page', async () => {
    await page.goto(`${url}/#/security`);
    await page.getByText('No ACLs.').waitFor();
    await page.getByLabel('principal').fill('User:alice');
    await page.getByLabel('operation').selectOption('WRITE');
    await page.getByLabel('resource name').fill('orders.');
    await page.getByLabel('pattern').selectOption('PREFIXED');
    await page.getByRole('button', { name: 'Add ACL' }).click();
    const row = page.locator('[data-ready=acls] tbody tr', { hasText: 'User:alice' });
    await row.waitFor();
    assert.match(await row.innerText(), /ALLOW\s+WRITE\s+topic:orders\.\s+PREFIXED/);

    await page.getByLabel('user', { exact: true }).fill('alice');
    await page.getByLabel('password').fill('alice-secret');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.locator('[data-ready=users] tbody tr', { hasText: 'alice' }).waitFor();

    await page.getByLabel('quota user').fill('alice');
    await page.getByLabel('quota value').fill('1048576');
    await page.getByRole('button', { name: 'Set quota' }).click();
    const quota = page.locator('[data-ready=quotas] tbody tr', { hasText: 'producer_byte_rate=1048576' });
    await quota.waitFor();
    assert.deepEqual(await quota.locator('td').allInnerTexts(), ['alice', '', 'producer_byte_rate=1048576']);
    mkdirSync(join(repoRoot, 'test-output', 'console'), { recursive: true });
    await page.screenshot({ path: join(repoRoot, 'test-output', 'console', 'security.png'), fullPage: true });

    // What the page did is what the cluster has.
    const admin = new Admin({ 'bootstrap.servers': broker.bootstrap });
    assert.deepEqual(
      (await admin.describeAcls({ principal: 'User:alice' })).map(
        (a) => `${a.operation} ${a.resourceName} ${a.patternType}`,
      ),
      ['WRITE orders. PREFIXED'],
    );
    assert.deepEqual(
      (await admin.describeUserScramCredentials(['alice']))[0].credentials.map((c) => c.mechanism),
      ['SCRAM-SHA-512'],
    );
    await row.getByRole('button', { name: 'Remove' }).click();
    await page.getByText('No ACLs.').waitFor();
    assert.deepEqual(await admin.describeAcls({}), []);
    await admin.close();
  });
});
