// The web console in a real browser (Debian's Chromium) against a broker process started with
// `samsa server start --console`: the cluster page, a topic created, a record produced in the page
// and found in the message browser, a record that looks like markup shown as text, a group's lag
// appearing and falling, its offsets reset after a preview, the topic deleted (the flows are in
// flows.ts, shared with the 3-node run in cluster.test.ts). Screenshots of each page go to
// test-output/console/.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { type Browser, chromiumMissing } from '../helpers/browser.js';
import { repoRoot } from '../helpers/paths.js';
import {
  createTopic,
  type Flows,
  groupLagAndReset,
  listsThenDeleteTopic,
  markupShownAsText,
  openBrowser,
  openCluster,
  produceInPage,
  shot,
} from './flows.js';

const skip = chromiumMissing('web console in Chromium') ?? false;

let broker: BrokerProcess;
let browser: Browser;
let f: Flows;

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
    const url = await consoleAddress(broker);
    const opened = await openBrowser();
    browser = opened.browser;
    f = {
      page: opened.page,
      dialogs: opened.dialogs,
      url,
      bootstrap: broker.bootstrap,
      topic: 'console-orders',
      group: 'console-billing',
      expectedReplication: 1,
      shotsDir: join(repoRoot, 'test-output', 'console'),
    };
  });

  after(async () => {
    await browser?.close();
    if (broker) {
      await broker.stop();
      removeDataDir(broker.dataDir);
    }
  });

  test('the cluster page shows the broker, its log dir and partition health', async () => {
    const text = await openCluster(f);
    assert.match(text, new RegExp(`127\\.0\\.0\\.1:${broker.port}`));
    await shot(f, 'cluster');
  });

  test('create a topic, produce a record in the page and find it in the message browser', async () => {
    await createTopic(f);
    await produceInPage(f, 1);
  });

  test('a record whose value is markup is shown as text and runs nothing', async () => {
    await markupShownAsText(f);
  });

  test("a group's lag appears and falls, then its offsets are reset after a preview", async () => {
    await groupLagAndReset(f);
  });

  test('the topic and group lists, then the topic deleted', async () => {
    await listsThenDeleteTopic(f);
  });
});
