// The console's browser flows (flows.ts) against a 3-node cluster of processes (combined broker +
// controller nodes), with the console as its own process, `samsa console -b <the three nodes>`, as a
// user runs it next to a cluster: it keeps working when any one node goes, which a console inside one
// node (`--console`) would not. On top of the shared flows: the cluster page lists 3 brokers, the
// active controller and the quorum; the topic gets replication factor 3, leaders on every broker and
// 3 in sync; a record is produced to a partition led by a node other than the console's first
// bootstrap server; then a node is killed and the page shows it fenced and the partitions
// under-replicated, and the console goes on working. Screenshots go to test-output/console/cluster/.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromiumMissing } from '../helpers/browser.js';
import { type ConsoleProcess, startConsoleProcess } from '../helpers/console-process.js';
import { repoRoot } from '../helpers/paths.js';
import { ProcessCluster } from '../helpers/process-cluster.js';
import {
  createTopic,
  type Flows,
  groupLagAndReset,
  listsThenDeleteTopic,
  markupShownAsText,
  openBrowser,
  openCluster,
  type PartitionRow,
  partitionRows,
  produceInPage,
  shot,
} from './flows.js';

// Page functions run in the browser, where there is a document.
declare const document: {
  querySelector(s: string): { getAttribute(n: string): string | null; textContent: string | null } | null;
};

const skip = chromiumMissing('web console against a 3-node cluster') ?? false;
const BROKER_IDS = [1, 2, 3];

let cluster: ProcessCluster;
let consoleProcess: ConsoleProcess;
let browser: Browser;
let f: Flows;
let rows: PartitionRow[] = [];

/** The node whose address comes first in the console's --brokers (its first connection). */
const FIRST_BOOTSTRAP = 1;

describe('web console against a 3-node cluster', { skip }, () => {
  before(async () => {
    cluster = await ProcessCluster.start({
      nodes: 3,
      configs: {
        // A killed node is fenced (and leaves every ISR) this long after its last heartbeat.
        'broker.session.timeout.ms': '4000',
        'broker.heartbeat.interval.ms': '500',
        'group.initial.rebalance.delay.ms': '0',
        'offsets.topic.num.partitions': '3',
        'offsets.topic.replication.factor': '3',
      },
    });
    const bootstrap = BROKER_IDS.map((id) => cluster.node(id).bootstrap).join(',');
    consoleProcess = await startConsoleProcess([
      '-b',
      bootstrap,
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '-X',
      'console.refresh.ms=500',
    ]);
    const opened = await openBrowser();
    browser = opened.browser;
    f = {
      page: opened.page,
      dialogs: opened.dialogs,
      url: consoleProcess.url,
      bootstrap,
      topic: 'cluster-orders',
      group: 'cluster-billing',
      replicationFactor: 3,
      expectedReplication: 3,
      shotsDir: join(repoRoot, 'test-output', 'console', 'cluster'),
    };
  });

  after(async () => {
    await browser?.close();
    await consoleProcess?.stop();
    await cluster?.close();
  });

  test('the cluster page lists the 3 brokers, marks the active controller and shows the quorum', async () => {
    await openCluster(f);
    const { page } = f;
    for (const id of BROKER_IDS) {
      const row = page.locator(`tr[data-broker="${id}"]`);
      assert.match(await row.innerText(), new RegExp(`127\\.0\\.0\\.1:${cluster.node(id).port}`));
      assert.match(await row.innerText(), /unfenced/);
    }
    assert.equal(await page.locator('tr[data-broker]').count(), 3);
    // The controller is the quorum's leader, whichever broker answered the page's requests.
    const leader = Number(/Leader (\d+), epoch/.exec(await page.locator('main').innerText())?.[1]);
    assert.ok(BROKER_IDS.includes(leader), `quorum leader ${leader}`);
    const marked = page.locator('tr[data-broker]', {
      has: page.locator('.badge', { hasText: 'controller' }),
    });
    assert.equal(await marked.count(), 1);
    assert.equal(await marked.getAttribute('data-broker'), String(leader));
    assert.equal(await page.locator('[data-stat=controller] .value').innerText(), String(leader));
    const quorum = await page.locator('table.quorum tbody tr').allInnerTexts();
    assert.deepEqual(
      quorum.map((r) => r.split('\t').slice(0, 2).join(' ')).sort(),
      BROKER_IDS.map((id) => `${id} ${id === leader ? 'leader' : 'voter'}`),
    );
    assert.equal(await page.locator('[data-stat=brokers] .value').innerText(), '3');
    await shot(f, 'cluster');
  });

  test('a topic with replication factor 3: leaders spread, 3 replicas and 3 in sync', async () => {
    rows = await createTopic(f);
    assert.deepEqual(
      [...new Set(rows.map((r) => r.leader))].sort(),
      BROKER_IDS,
      `leaders on every broker: ${JSON.stringify(rows)}`,
    );
    for (const r of rows) {
      assert.deepEqual([...r.replicas].sort(), BROKER_IDS);
      assert.deepEqual([...r.isr].sort(), BROKER_IDS);
      assert.ok(r.replicas.includes(r.leader));
    }
  });

  test('a record produced in the page to a partition led by another node, found in the browser', async () => {
    const target = rows.find((r) => r.leader !== FIRST_BOOTSTRAP);
    assert.ok(target, 'a partition led by another node');
    await produceInPage(f, target.partition);
  });

  test('a record whose value is markup is shown as text and runs nothing', async () => {
    await markupShownAsText(f);
  });

  test("a group's lag appears and falls, then its offsets are reset after a preview", async () => {
    await groupLagAndReset(f);
  });

  test('a node killed: the page shows it fenced and the partitions under-replicated', async () => {
    const { page } = f;
    await page.goto(f.url);
    await page.waitForSelector('[data-ready=cluster]');
    const leaderText = await page.locator('[data-stat=controller] .value').innerText();
    // Neither the first bootstrap server nor the active controller: no election needed.
    const victim = BROKER_IDS.find((id) => id !== FIRST_BOOTSTRAP && String(id) !== leaderText) as number;
    await cluster.kill(victim);
    const row = page.locator(`tr[data-broker="${victim}"]`);
    await row.locator('.badge', { hasText: /^fenced$/ }).waitFor({ timeout: 30_000 });
    // Every partition has a replica on each node: all of them lose one from their ISR.
    await page.waitForFunction(
      () => {
        const n = (s: string) => Number(document.querySelector(`[data-stat=${s}] .value`)?.textContent);
        return n('under-replicated') > 0 && n('under-replicated') === n('partitions');
      },
      undefined,
      { timeout: 30_000 },
    );
    assert.equal(await page.locator('[data-stat=brokers] .value').innerText(), '2');
    assert.equal(await page.locator('[data-stat=offline] .value').innerText(), '0');
    await shot(f, 'cluster-node-down');

    // The topic page marks the partitions, and the message browser still reads them all.
    await page.goto(`${f.url}/#/topics/${f.topic}`);
    await page.waitForFunction(
      () => document.querySelector('[data-ready=partitions]')?.textContent?.includes('under-replicated'),
      undefined,
      { timeout: 30_000 },
    );
    for (const r of await partitionRows(f)) {
      assert.equal(r.isr.length, 2);
      assert.ok(!r.isr.includes(victim));
      assert.notEqual(r.leader, victim);
    }
    await shot(f, 'topic-node-down');
    await page.getByRole('link', { name: 'Messages' }).click();
    await page.locator('table.records tr.record', { hasText: 'order-1' }).waitFor();
  });

  test('the topic and group lists, then the topic deleted, with a node down', async () => {
    await listsThenDeleteTopic(f);
  });
});
