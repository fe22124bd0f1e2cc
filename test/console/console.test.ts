// The web console in a real browser (Debian's Chromium) against a broker process started with
// `samsa server start --console`: the cluster page, a topic created, a record produced in the page
// and found in the message browser, a record that looks like markup shown as text, a group's lag
// appearing and falling, its offsets reset after a preview, the topic deleted. Screenshots of each
// page go to test-output/console/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { Admin } from '../../src/client/admin.js';
import { Consumer } from '../../src/client/consumer.js';
import { Producer } from '../../src/client/producer.js';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { type Browser, chromiumMissing, launchChromium } from '../helpers/browser.js';
import { repoRoot } from '../helpers/paths.js';

// Page functions run in the browser, where there is a document.
declare const document: {
  querySelector(s: string): { getAttribute(n: string): string | null; textContent: string | null } | null;
};

const skip = chromiumMissing('web console in Chromium') ?? false;
const SHOTS = join(repoRoot, 'test-output', 'console');
const TOPIC = 'console-orders';
const GROUP = 'console-billing';
const XSS = '<img src=x onerror=alert(1)>';

let broker: BrokerProcess;
let browser: Browser;
let page: Page;
let url: string;
const dialogs: string[] = [];

async function shot(name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function waitForLag(expected: number): Promise<void> {
  await page.waitForFunction(
    (n) => document.querySelector('[data-lag]')?.getAttribute('data-lag') === String(n),
    expected,
    { timeout: 20_000 },
  );
}

/** The console's line follows the broker's ready line. */
async function consoleAddress(b: BrokerProcess): Promise<string> {
  const until = Date.now() + 15_000;
  for (;;) {
    const m = /Console on (http:\/\/\S+)/.exec(b.logs());
    if (m) return m[1];
    if (Date.now() > until) throw new Error(`no console address in the broker's output:\n${b.logs()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('web console in Chromium', { skip }, () => {
  before(async () => {
    broker = await startBrokerProcess({
      args: ['--console', '--override', 'console.port=0', '--override', 'console.refresh.ms=500'],
    });
    url = await consoleAddress(broker);
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
  });

  after(async () => {
    await browser?.close();
    if (broker) {
      await broker.stop();
      removeDataDir(broker.dataDir);
    }
  });

  test('the cluster page shows the broker, its log dir and partition health', async () => {
    await page.goto(url);
    await page.waitForSelector('[data-ready=cluster]');
    const text = await page.locator('main').innerText();
    assert.match(text, /controller/);
    assert.match(text, new RegExp(`127\\.0\\.0\\.1:${broker.port}`));
    assert.match(text, /under-replicated/);
    assert.match(text, /Disk use/);
    await shot('cluster');
  });

  test('create a topic, produce a record in the page and find it in the message browser', async () => {
    await page.goto(`${url}/#/topics`);
    await page.getByRole('button', { name: 'Create topic' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create topic' });
    await dialog.locator('input[name=name]').fill(TOPIC);
    await dialog.locator('input[name=partitions]').fill('3');
    await dialog.getByRole('button', { name: 'Add config' }).click();
    await dialog.getByLabel('config name').selectOption('retention.ms');
    await dialog.getByLabel('config value').fill('3600000');
    assert.match(await dialog.locator('.help').innerText(), /default 604800000/);
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.waitForSelector('[data-ready=partitions]');
    assert.equal(await page.locator('[data-ready=partitions] tbody tr').count(), 3);
    await shot('topic');

    await page.getByRole('link', { name: 'Configs' }).click();
    const setRow = page.locator('table.configs tr.set', { hasText: '3600000' });
    await setRow.waitFor();
    assert.match(await setRow.locator('td').first().innerText(), /^retention\.ms/);

    await page.getByRole('link', { name: 'Messages' }).click();
    await page.getByRole('button', { name: 'Produce' }).click();
    const form = page.getByRole('form', { name: 'produce a record' });
    await form.locator('input[name=key]').fill('order-1');
    await form.locator('textarea[name=value]').fill('{"total":12,"items":["tea"]}');
    await form.getByRole('button', { name: 'Add header' }).click();
    await form.getByLabel('header key').fill('source');
    await form.getByLabel('header value').fill('console');
    await form.locator('select[name=partition]').selectOption('1');
    await form.getByRole('button', { name: 'Send' }).click();
    await form.getByRole('status').getByText('Written to partition 1 at offset 0').waitFor();
    const row = page.locator('table.records tr.record', { hasText: 'order-1' });
    await row.waitFor();
    assert.match(await row.innerText(), /\{"total":12,"items":\["tea"\]\}/);
    await page.getByLabel('format').selectOption('json');
    await row.click();
    const detail = page.locator('.record-detail');
    assert.match(await detail.innerText(), /"total": 12,\n\s+"items": \[/);
    assert.match(await detail.innerText(), /source\s+console/);
    await shot('messages');
  });

  test('a record whose value is markup is shown as text and runs nothing', async () => {
    await page.getByLabel('format').selectOption('text');
    const form = page.getByRole('form', { name: 'produce a record' });
    await form.locator('input[name=key]').fill('xss');
    await form.locator('textarea[name=value]').fill(XSS);
    await form.getByRole('button', { name: 'Send' }).click();
    const row = page.locator('table.records tr.record', { hasText: 'xss' });
    await row.waitFor();
    await page.getByText(XSS, { exact: true }).first().waitFor({ state: 'visible' });
    assert.equal(await page.locator('table.records img').count(), 0);
    // An onerror handler would have fired by now; give it a moment more to be sure.
    await page.waitForTimeout(300);
    assert.deepEqual(dialogs, []);
  });

  test("a group's lag appears and falls, then its offsets are reset after a preview", async () => {
    const admin = new Admin({ bootstrapServers: broker.bootstrap });
    const producer = new Producer({ bootstrapServers: broker.bootstrap, lingerMs: 0 });
    const consumer = new Consumer({
      bootstrapServers: broker.bootstrap,
      groupId: GROUP,
      autoOffsetReset: 'earliest',
      enableAutoCommit: false,
    });
    try {
      const consumeAll = async (total: number) => {
        let seen = 0;
        const until = Date.now() + 20_000;
        while (seen < total && Date.now() < until) seen += (await consumer.poll(500)).length;
        assert.equal(seen, total);
        // Every assigned partition's position, so partitions that got no record count too.
        const positions = consumer.assignment().map((tp) => ({ ...tp, offset: consumer.position(tp) ?? 0 }));
        assert.equal(positions.length, 3);
        await consumer.commit(positions);
      };
      await consumer.subscribe([TOPIC]);
      await consumeAll(2); // the two records produced in the page
      await page.goto(`${url}/#/groups/${GROUP}`);
      await waitForLag(0);

      await Promise.all(
        Array.from({ length: 30 }, (_, i) => producer.send({ topic: TOPIC, key: `k${i}`, value: `v${i}` })),
      );
      await waitForLag(30);
      await consumeAll(30);
      await waitForLag(0);
      assert.ok((await page.locator('svg.chart polyline.line').count()) === 1, 'the lag chart is drawn');
      await shot('group');

      await consumer.close();
      await page.getByLabel('reset to').selectOption('earliest');
      await page.getByRole('button', { name: 'Preview' }).click();
      const plan = page.locator('[data-ready=plan]');
      await plan.waitFor();
      const planText = await plan.innerText();
      assert.equal(await plan.locator('tbody tr').count(), 3);
      assert.doesNotMatch(planText, /active member/);
      await shot('group-reset-preview');
      await plan.getByRole('button', { name: 'Apply reset' }).click();
      await page.getByRole('status').getByText('Offsets reset.').waitFor();
      await waitForLag(32);
      const committed = await admin.listGroupOffsets(GROUP);
      assert.deepEqual(
        committed.map((c) => c.offset),
        [0, 0, 0],
      );
    } finally {
      await consumer.close().catch(() => {});
      await producer.close();
      await admin.close();
    }
  });

  test('the topic and group lists, then the topic deleted', async () => {
    await page.goto(`${url}/#/groups`);
    await page.waitForSelector('[data-ready=groups]');
    assert.match(await page.locator('main').innerText(), new RegExp(`${GROUP}\\s+Empty\\s+0\\s+32`));
    await shot('groups');
    await page.goto(`${url}/#/topics`);
    await page.waitForSelector('[data-ready=topics]');
    assert.match(await page.locator('table.topics').innerText(), new RegExp(`${TOPIC}\\s+3\\s+1`));
    await shot('topics');
    await page.goto(`${url}/#/topics/${TOPIC}`);
    await page.getByRole('button', { name: 'Delete topic' }).click();
    await page.getByRole('dialog', { name: 'Delete topic' }).getByRole('button', { name: 'Delete' }).click();
    await page.waitForSelector('[data-ready=topics]');
    await page.waitForFunction(
      (t) => !document.querySelector('table.topics')?.textContent?.includes(t),
      TOPIC,
      { timeout: 10_000 },
    );
    assert.deepEqual(dialogs, []);
  });
});
