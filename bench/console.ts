// The web console's speed in a real browser (Debian's Chromium): a cluster of 1,000 topics with
// 10 partitions each (an in-memory broker process), and a partition of 1,000 records.
// Printed, as medians of several runs measured inside the page (click → rows in the DOM → next frame):
// - the topic list: clicking "Topics" until all 1,000 rows are listed (target: under 200 ms);
// - the first 100 records of a partition: clicking "Show" until 100 rows are listed (target: under 100 ms),
//   and opening the topic's message tab from another page;
// beside in-run baselines from the same page: the bare API calls (fetch and JSON parse) and a round
// trip to the console that does no cluster work (/api/session).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { Admin } from '../src/client/admin.js';
import { Producer } from '../src/client/producer.js';
import { parseConsoleKeys, startConsole } from '../src/console/index.js';
import { CHROMIUM, launchChromium } from '../test/helpers/browser.js';
import { repoRoot } from '../test/helpers/paths.js';

const TOPICS = Number(process.env.BENCH_TOPICS ?? 1000);
const PARTITIONS = 10;
const RECORDS = 1000;
const RUNS = 9;
const RECORD_TOPIC = 'bench-records';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function startBroker(): Promise<{ child: ChildProcess; bootstrap: string }> {
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, 'dist/bin/samsa.mjs'),
      'server',
      'start',
      '--memory',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--metrics-port',
      '0',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  const bootstrap = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d;
      const m = /ready on \w+:\/\/(\S+):(\d+)/.exec(out);
      if (m) resolve(`${m[1]}:${m[2]}`);
    });
    child.once('exit', (code) => reject(new Error(`broker exited with ${code}`)));
  });
  return { child, bootstrap };
}

async function seed(bootstrap: string): Promise<void> {
  const admin = new Admin({ bootstrapServers: bootstrap, 'default.api.timeout.ms': 120_000 });
  for (let i = 0; i < TOPICS - 1; i += 100) {
    const batch = Array.from({ length: Math.min(100, TOPICS - 1 - i) }, (_, j) => ({
      name: `bench-topic-${String(i + j).padStart(4, '0')}`,
      numPartitions: PARTITIONS,
    }));
    await admin.createTopics(batch, { waitForLeaders: false });
  }
  await admin.createTopics([{ name: RECORD_TOPIC, numPartitions: PARTITIONS }]);
  await admin.close();
  const producer = new Producer({ bootstrapServers: bootstrap, lingerMs: 5 });
  const value = JSON.stringify({
    id: 0,
    customer: 'c-0000',
    items: ['tea', 'bread'],
    total: 12.5,
    note: 'x'.repeat(40),
  });
  await Promise.all(
    Array.from({ length: RECORDS }, (_, i) =>
      producer.send({
        topic: RECORD_TOPIC,
        partition: 0,
        key: `order-${i}`,
        value,
        headers: { source: 'bench' },
      }),
    ),
  );
  await producer.close();
}

/** Runs `action` (page code) and measures until `selector` is in the DOM, plus one frame. */
function timed(page: Page, action: string, selector: string): Promise<number> {
  // Page code as text: it runs in the browser, which the bench's compiler knows nothing of.
  return page
    .evaluate(`new Promise((resolve) => {
    const t0 = performance.now();
    const sel = ${JSON.stringify(selector)};
    const observer = new MutationObserver(() => {
      if (document.querySelector(sel)) {
        observer.disconnect();
        requestAnimationFrame(() => resolve(performance.now() - t0));
      }
    });
    observer.observe(document.body, { subtree: true, childList: true, attributes: true });
    setTimeout(() => resolve('not shown in 30 s: ' + (document.querySelector('table.records')?.outerHTML ?? 'no table').slice(0, 300) + (document.querySelector('main p.muted')?.textContent ?? '') + (document.querySelector('.error')?.textContent ?? '')), 30000);
    ${action};
  })`)
    .then((r) => {
      if (typeof r !== 'number') throw new Error(String(r));
      return r;
    });
}

function fetchTime(page: Page, path: string): Promise<number> {
  return page.evaluate(`(async () => {
    const t0 = performance.now();
    await (await fetch(${JSON.stringify(path)})).json();
    return performance.now() - t0;
  })()`) as Promise<number>;
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    console.log(`bench:console needs ${CHROMIUM} (Debian package chromium); not run`);
    return;
  }
  const broker = await startBroker();
  let browser: Awaited<ReturnType<typeof launchChromium>> | null = null;
  let running: Awaited<ReturnType<typeof startConsole>> | null = null;
  try {
    const seeding = performance.now();
    await seed(broker.bootstrap);
    console.log(
      `seeded ${TOPICS} topics × ${PARTITIONS} partitions and ${RECORDS} records in ${Math.round(performance.now() - seeding)} ms`,
    );
    const options = parseConsoleKeys(broker.bootstrap, {
      'console.port': '0',
      'console.host': '127.0.0.1',
      'console.refresh.ms': '60000',
    });
    if (!options.ok) throw new Error(options.error);
    running = await startConsole(options.value);
    browser = await launchChromium();
    const page = await browser.context.newPage();
    page.on('crash', () => console.error('the page crashed'));
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(running.url);
    await page.waitForSelector('[data-ready=cluster]', { timeout: 60_000 });

    const list: number[] = [];
    const listApi: number[] = [];
    const ping: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      list.push(
        await timed(
          page,
          `document.querySelector('nav.sidebar a[href="#/topics"]').click()`,
          `[data-ready=topics][data-rows="${TOPICS}"]`,
        ),
      );
      await page.click('nav.sidebar a[href="#/"]');
      await page.waitForSelector('[data-ready=cluster]');
      listApi.push(await fetchTime(page, '/api/topics'));
      ping.push(await fetchTime(page, '/api/session'));
    }

    await page.goto(`${running.url}/#/topics/${RECORD_TOPIC}/messages`);
    await page.waitForSelector('table.records[data-ready=records]');
    await page.getByLabel('partition').selectOption('0');
    await page.getByLabel('from').selectOption('oldest');
    const records: number[] = [];
    const recordsApi: number[] = [];
    const tab: number[] = [];
    const recordsPath = `/api/topics/${RECORD_TOPIC}/records?partition=0&from=oldest&limit=100`;
    for (let i = 0; i < RUNS; i++) {
      // The table counts its loads: wait for the next one.
      const loads = Number(await page.getAttribute('table.records', 'data-loads'));
      records.push(
        await timed(
          page,
          `document.querySelector('form.toolbar button[type=submit]').click()`,
          `table.records[data-ready=records][data-rows="100"][data-loads="${loads + 1}"]`,
        ),
      );
      recordsApi.push(await fetchTime(page, recordsPath));
    }
    for (let i = 0; i < RUNS; i++) {
      await page.goto(`${running.url}/#/topics/${RECORD_TOPIC}/partitions`);
      await page.waitForSelector('[data-ready=partitions]');
      tab.push(
        await timed(
          page,
          `location.hash = '#/topics/${RECORD_TOPIC}/messages'`,
          'table.records[data-ready=records][data-rows="100"]',
        ),
      );
    }
    // What one sampler pass costs: the list's data read fresh from the cluster (the page gets the last pass).
    const pass: number[] = [];
    const admin = new Admin({ bootstrapServers: broker.bootstrap });
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const all = await admin.describeAllTopics({ includeInternal: true });
      const tps = all.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partition })));
      await Promise.all([
        admin.listOffsets(tps.map((tp) => ({ ...tp, at: 'earliest' as const }))),
        admin.listOffsets(tps.map((tp) => ({ ...tp, at: 'latest' as const }))),
        admin.describeLogDirs(),
      ]);
      pass.push(performance.now() - t0);
    }
    await admin.close();
    const f = (xs: number[]) => `${median(xs).toFixed(1)} ms`;
    console.log(
      `\nmedians of ${RUNS} runs in Chromium (${TOPICS} topics, ${TOPICS * PARTITIONS} partitions):`,
    );
    console.log(`  topic list shown (click → ${TOPICS} rows)          ${f(list)}   target < 200 ms`);
    console.log(`    its API call alone (/api/topics)                ${f(listApi)}`);
    console.log(`  first 100 records of a partition (click Show)     ${f(records)}   target < 100 ms`);
    console.log(`    its API call alone                              ${f(recordsApi)}`);
    console.log(`  message tab opened (newest 100, all partitions)   ${f(tab)}`);
    console.log(`  baseline: a console round trip (/api/session)     ${f(ping)}`);
    console.log(
      `  one sampler pass over the cluster (3 runs)        ${f(pass)}   (the list is served from the last pass)`,
    );
    console.log(
      `ratios: topic list / its API ${(median(list) / median(listApi)).toFixed(2)}, records / their API ${(median(records) / median(recordsApi)).toFixed(2)}`,
    );
  } finally {
    await browser?.close();
    await running?.close();
    broker.child.kill('SIGTERM');
  }
}

await main();
