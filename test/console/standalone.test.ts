// `samsa console` as its own process against a broker: a token login, read-only mode, CSRF and
// host-name checks over HTTP, the login page in Chromium, and bad settings as one line.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { chromiumMissing, launchChromium } from '../helpers/browser.js';
import { type ConsoleProcess, SAMSA, startConsoleProcess } from '../helpers/console-process.js';
import { repoRoot } from '../helpers/paths.js';
import { run } from '../helpers/tools.js';

const TOKEN = 'console-test-token';

let broker: BrokerProcess;
let consoleProcess: ConsoleProcess;
let url: string;

/** One HTTP request with exactly these headers (fetch may not set Host). */
function http(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown>; setCookie: string[] }> {
  const u = new URL(path, url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method,
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            json: text ? JSON.parse(text) : {},
            setCookie: res.headers['set-cookie'] ?? [],
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

before(async () => {
  broker = await startBrokerProcess();
  consoleProcess = await startConsoleProcess([
    '-b',
    broker.bootstrap,
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--read-only',
    '-X',
    'console.auth=token',
    '-X',
    `console.auth.token=${TOKEN}`,
  ]);
  url = consoleProcess.url;
});

after(async () => {
  await consoleProcess?.stop();
  await broker?.stop();
  if (broker) removeDataDir(broker.dataDir);
});

test('a token login, then read-only: changes are refused, with and without the CSRF token', async () => {
  assert.equal((await http('GET', '/api/topics')).status, 401);
  const session = await http('GET', '/api/session');
  assert.equal(session.json.authenticated, false);
  assert.equal(session.json.auth, 'token');
  assert.equal((await http('POST', '/api/login', {}, { token: 'wrong-token' })).status, 401);
  const login = await http('POST', '/api/login', {}, { token: TOKEN });
  assert.equal(login.status, 200);
  const cookie = login.setCookie[0].split(';')[0];
  assert.match(login.setCookie[0], /HttpOnly/i);
  assert.match(login.setCookie[0], /SameSite=Strict/i);
  const mine = await http('GET', '/api/session', { cookie });
  assert.equal(mine.json.authenticated, true);
  assert.equal(mine.json.readOnly, true);
  const csrf = String(mine.json.csrfToken);
  assert.equal((await http('GET', '/api/topics', { cookie })).status, 200);
  assert.equal((await http('GET', '/api/cluster', { authorization: `Bearer ${TOKEN}` })).status, 200);

  const create = { name: 'refused' };
  const noToken = await http('POST', '/api/topics', { cookie }, create);
  assert.equal(noToken.status, 403);
  assert.match(String(noToken.json.error), /CSRF/);
  const crossSite = await http(
    'POST',
    '/api/topics',
    { cookie, 'x-samsa-csrf': csrf, 'sec-fetch-site': 'cross-site' },
    create,
  );
  assert.equal(crossSite.status, 403);
  const otherOrigin = await http(
    'POST',
    '/api/topics',
    { cookie, 'x-samsa-csrf': csrf, origin: 'http://evil.example' },
    create,
  );
  assert.equal(otherOrigin.status, 403);
  const readOnly = await http('POST', '/api/topics', { cookie, 'x-samsa-csrf': csrf }, create);
  assert.equal(readOnly.status, 403);
  assert.match(String(readOnly.json.error), /read-only/);
  // A page of another name that resolves to this machine (DNS rebinding) gets nothing.
  const rebound = await http('GET', '/api/session', { host: `evil.example:${new URL(url).port}` });
  assert.equal(rebound.status, 403);
});

describe('the login page in Chromium', {
  skip: chromiumMissing('the login page in Chromium') ?? false,
}, () => {
  test('logs in with the token and shows no change buttons', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      await page.goto(url);
      await page.getByLabel('Token').fill('wrong-token');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('alert').getByText('wrong user name, password or token').waitFor();
      mkdirSync(join(repoRoot, 'test-output', 'console'), { recursive: true });
      await page.screenshot({ path: join(repoRoot, 'test-output', 'console', 'login.png') });
      await page.getByLabel('Token').fill(TOKEN);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForSelector('[data-ready=cluster]');
      assert.match(await page.locator('nav.sidebar').innerText(), /read-only/);
      await page.goto(`${url}/#/topics`);
      await page.waitForSelector('[data-ready=topics]');
      assert.equal(await page.getByRole('button', { name: 'Create topic' }).count(), 0);
    } finally {
      await browser.close();
    }
  });
});

test('bad console settings stop it with one line', async () => {
  const r = await run(process.execPath, [
    SAMSA,
    'console',
    '-b',
    broker.bootstrap,
    '-X',
    'console.auth=basic',
    '--port',
    '0',
  ]);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr.trim(),
    'samsa console: console.auth=basic needs console.auth.users (user:password,...)',
  );
  const unknown = await run(process.execPath, [SAMSA, 'console', '-X', 'console.colour=blue', '--port', '0']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /unknown console setting 'console.colour'/);
  const help = await run(process.execPath, [SAMSA, 'console', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: samsa console/);
});
