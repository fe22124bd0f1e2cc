// The console's browser flows, shared by the single-broker run (console.test.ts) and the 3-node
// cluster run (cluster.test.ts): each takes the page, the console's address and what this cluster
// should show, so the runs differ only in what is cluster-specific.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { Admin } from '../../src/client/admin.js';
import { Consumer } from '../../src/client/consumer.js';
import { Producer } from '../../src/client/producer.js';
import { type Browser, launchChromium } from '../helpers/browser.js';

// Page functions run in the browser, where there is a document.
declare const document: {
  querySelector(s: string): { getAttribute(n: string): string | null; textContent: string | null } | null;
};

export const XSS = '<img src=x onerror=alert(1)>';

export interface Flows {
  page: Page;
  /** The console's address. */
  url: string;
  /** Bootstrap servers for the test's own clients. */
  bootstrap: string;
  topic: string;
  group: string;
  /** Replication factor typed into the create dialog; left empty (the broker's default) when unset. */
  replicationFactor?: number;
  /** The replication factor the topic list should show. */
  expectedReplication: number;
  shotsDir: string;
  /** Messages of every dialog (alert, confirm) the page opened: none expected. */
  dialogs: string[];
}

/** Chromium with one page whose dialogs are recorded and dismissed. */
export async function openBrowser(): Promise<{ browser: Browser; page: Page; dialogs: string[] }> {
  const browser = await launchChromium();
  const page = await browser.context.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  return { browser, page, dialogs };
}

export async function shot(f: Flows, name: string): Promise<void> {
  mkdirSync(f.shotsDir, { recursive: true });
  await f.page.screenshot({ path: join(f.shotsDir, `${name}.png`), fullPage: true });
}

async function waitForLag(f: Flows, expected: number): Promise<void> {
  await f.page.waitForFunction(
    (n) => document.querySelector('[data-lag]')?.getAttribute('data-lag') === String(n),
    expected,
    { timeout: 30_000 },
  );
}

/** Waits until the text of `selector` (as shown: cells apart) matches; the error quotes the page. */
export async function waitForText(
  f: Flows,
  selector: string,
  re: RegExp,
  { timeoutMs = 30_000, absent = false } = {},
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const el = f.page.locator(selector);
    const text = (await el.count()) > 0 ? await el.first().innerText() : null;
    if (text !== null && re.test(text) !== absent) return;
    if (Date.now() > until) break;
    await f.page.waitForTimeout(200);
  }
  const shown = await f.page.locator('main').innerText();
  throw new Error(
    `${selector} ${absent ? 'still shows' : 'does not show'} ${re} after ${timeoutMs} ms; the page shows:\n${shown}`,
  );
}

/** Opens the cluster page and answers its text once it is drawn. */
export async function openCluster(f: Flows): Promise<string> {
  await f.page.goto(f.url);
  await f.page.waitForSelector('[data-ready=cluster]');
  const text = await f.page.locator('main').innerText();
  assert.match(text, /controller/);
  assert.match(text, /under-replicated/);
  assert.match(text, /Disk use/);
  return text;
}

export interface PartitionRow {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

/** The partition table of the topic page as shown. */
export async function partitionRows(f: Flows): Promise<PartitionRow[]> {
  await f.page.waitForSelector('[data-ready=partitions]');
  const ids = (s: string) => (s.match(/\d+/g) ?? []).map(Number);
  const rows = await f.page.locator('[data-ready=partitions] tbody tr').all();
  const out: PartitionRow[] = [];
  for (const row of rows) {
    const cells = await row.locator('td').allInnerTexts();
    out.push({
      partition: Number(cells[0]),
      leader: Number(cells[1]),
      replicas: ids(cells[2]),
      isr: ids(cells[3]),
    });
  }
  return out;
}

/** Creates the topic with 3 partitions and retention.ms in the dialog; ends on its partition table. */
export async function createTopic(f: Flows): Promise<PartitionRow[]> {
  const { page } = f;
  await page.goto(`${f.url}/#/topics`);
  await page.getByRole('button', { name: 'Create topic' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create topic' });
  await dialog.locator('input[name=name]').fill(f.topic);
  await dialog.locator('input[name=partitions]').fill('3');
  if (f.replicationFactor !== undefined)
    await dialog.locator('input[name=replicationFactor]').fill(String(f.replicationFactor));
  await dialog.getByRole('button', { name: 'Add config' }).click();
  await dialog.getByLabel('config name').selectOption('retention.ms');
  await dialog.getByLabel('config value').fill('3600000');
  assert.match(await dialog.locator('.help').innerText(), /default 604800000/);
  await dialog.getByRole('button', { name: 'Create' }).click();
  const rows = await partitionRows(f);
  assert.equal(rows.length, 3);
  await shot(f, 'topic');

  await page.getByRole('link', { name: 'Configs' }).click();
  const setRow = page.locator('table.configs tr.set', { hasText: '3600000' });
  await setRow.waitFor();
  assert.match(await setRow.locator('td').first().innerText(), /^retention\.ms/);
  return rows;
}

/** From the topic page: produces a JSON record with a header to `partition`, finds it in the browser. */
export async function produceInPage(f: Flows, partition: number): Promise<void> {
  const { page } = f;
  await page.getByRole('link', { name: 'Messages' }).click();
  await page.getByRole('button', { name: 'Produce' }).click();
  const form = page.getByRole('form', { name: 'produce a record' });
  await form.locator('input[name=key]').fill('order-1');
  await form.locator('textarea[name=value]').fill('{"total":12,"items":["tea"]}');
  await form.getByRole('button', { name: 'Add header' }).click();
  await form.getByLabel('header key').fill('source');
  await form.getByLabel('header value').fill('console');
  await form.locator('select[name=partition]').selectOption(String(partition));
  await form.getByRole('button', { name: 'Send' }).click();
  await form.getByRole('status').getByText(`Written to partition ${partition} at offset 0`).waitFor();
  const row = page.locator('table.records tr.record', { hasText: 'order-1' });
  await row.waitFor();
  assert.match(await row.innerText(), /\{"total":12,"items":\["tea"\]\}/);
  await page.getByLabel('format').selectOption('json');
  await row.click();
  const detail = page.locator('.record-detail');
  assert.match(await detail.innerText(), /"total": 12,\n\s+"items": \[/);
  assert.match(await detail.innerText(), /source\s+console/);
  await shot(f, 'messages');
}

/** Right after produceInPage: a record whose value is markup is shown as text and runs nothing. */
export async function markupShownAsText(f: Flows): Promise<void> {
  const { page } = f;
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
  assert.deepEqual(f.dialogs, []);
}

/**
 * A group reads the topic's 2 records (lag 0), 30 more are produced (lag 30), read (lag 0); then,
 * with the consumer gone, its offsets are reset to the earliest after a preview (lag 32).
 */
export async function groupLagAndReset(f: Flows): Promise<void> {
  const { page } = f;
  const admin = new Admin({ bootstrapServers: f.bootstrap });
  const producer = new Producer({ bootstrapServers: f.bootstrap, lingerMs: 0 });
  const consumer = new Consumer({
    bootstrapServers: f.bootstrap,
    groupId: f.group,
    autoOffsetReset: 'earliest',
    enableAutoCommit: false,
  });
  try {
    const consumeAll = async (total: number) => {
      let seen = 0;
      const until = Date.now() + 30_000;
      while (seen < total && Date.now() < until) seen += (await consumer.poll(500)).length;
      assert.equal(seen, total);
      // Every assigned partition's position, so partitions that got no record count too.
      const positions = consumer.assignment().map((tp) => ({ ...tp, offset: consumer.position(tp) ?? 0 }));
      assert.equal(positions.length, 3);
      await consumer.commit(positions);
    };
    await consumer.subscribe([f.topic]);
    await consumeAll(2); // the two records produced in the page
    await page.goto(`${f.url}/#/groups/${f.group}`);
    await waitForLag(f, 0);

    await Promise.all(
      Array.from({ length: 30 }, (_, i) => producer.send({ topic: f.topic, key: `k${i}`, value: `v${i}` })),
    );
    await waitForLag(f, 30);
    await consumeAll(30);
    await waitForLag(f, 0);
    assert.ok((await page.locator('svg.chart polyline.line').count()) === 1, 'the lag chart is drawn');
    await shot(f, 'group');

    await consumer.close();
    await page.getByLabel('reset to').selectOption('earliest');
    await page.getByRole('button', { name: 'Preview' }).click();
    const plan = page.locator('[data-ready=plan]');
    await plan.waitFor();
    const planText = await plan.innerText();
    assert.equal(await plan.locator('tbody tr').count(), 3);
    assert.doesNotMatch(planText, /active member/);
    await shot(f, 'group-reset-preview');
    await plan.getByRole('button', { name: 'Apply reset' }).click();
    await page.getByRole('status').getByText('Offsets reset.').waitFor();
    await waitForLag(f, 32);
    const committed = await admin.listGroupOffsets(f.group);
    assert.deepEqual(
      committed.map((c) => c.offset),
      [0, 0, 0],
    );
  } finally {
    await consumer.close().catch(() => {});
    await producer.close();
    await admin.close();
  }
}

/** The group and topic lists show them; then the topic is deleted from its page. */
export async function listsThenDeleteTopic(f: Flows): Promise<void> {
  const { page } = f;
  await page.goto(`${f.url}/#/groups`);
  // The list refreshes: on a cluster whose node just went, the group shows once its coordinator moved.
  await waitForText(f, '[data-ready=groups]', new RegExp(`${f.group}\\s+Empty\\s+0\\s+32`));
  await shot(f, 'groups');
  await page.goto(`${f.url}/#/topics`);
  await page.waitForSelector('[data-ready=topics]');
  assert.match(
    await page.locator('table.topics').innerText(),
    new RegExp(`${f.topic}\\s+3\\s+${f.expectedReplication}\\s`),
  );
  await shot(f, 'topics');
  await page.goto(`${f.url}/#/topics/${f.topic}`);
  await page.getByRole('button', { name: 'Delete topic' }).click();
  await page.getByRole('dialog', { name: 'Delete topic' }).getByRole('button', { name: 'Delete' }).click();
  await page.waitForSelector('[data-ready=topics]');
  await waitForText(f, 'table.topics', new RegExp(f.topic), { absent: true, timeoutMs: 15_000 });
  assert.deepEqual(f.dialogs, []);
}
