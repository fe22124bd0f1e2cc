// The Grafana dashboard shipped in dashboards/: valid JSON of the shape Grafana imports, every query
// valid PromQL (promtool checks them as recording rules), and every metric it names one a Samsa
// broker exports.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Kafka, type MetricsNode, startMetricsNode } from '../broker/metrics-helpers.js';
import { repoRoot } from '../helpers/paths.js';
import { needs, run } from '../helpers/tools.js';

interface Target {
  expr: string;
  refId: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
}
interface Dashboard {
  title: string;
  uid: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown; definition?: string }[] };
}

const dashboard = JSON.parse(readFileSync(join(repoRoot, 'dashboards', 'samsa.json'), 'utf8')) as Dashboard;
const METRIC = /\b(?:kafka|nodejs|process|samsa)_[a-zA-Z0-9_]*/g;

let m: MetricsNode;

before(async () => {
  m = await startMetricsNode();
  const k = await Kafka.connect(m.port);
  await k.createTopic('dash', 1);
  await k.produce('dash', 0, [{ value: 'x' }]);
  await k.commit('dash-group', 'dash', { 0: 0 });
  k.close();
});
after(() => m.node.stop());

/** Every series name the broker exposes: families, and their _sum, _count and _bucket samples. */
async function exported(): Promise<Set<string>> {
  const text = await (await fetch(`${m.base}/metrics`)).text();
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === 'summary' || type === 'histogram') for (const s of ['_sum', '_count']) names.add(name + s);
    if (type === 'histogram') names.add(`${name}_bucket`);
  }
  return names;
}

function queries(): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  for (const p of dashboard.panels)
    for (const t of p.targets ?? []) out.push({ where: `panel "${p.title}" ${t.refId}`, expr: t.expr });
  for (const v of dashboard.templating.list)
    if (v.type === 'query') out.push({ where: `variable ${v.name}`, expr: v.definition ?? String(v.query) });
  return out;
}

test('the dashboard is JSON Grafana imports: panels placed on the grid, each with a query and a data source', () => {
  assert.equal(dashboard.title, 'Samsa');
  assert.match(dashboard.uid, /^[a-z0-9-]{1,40}$/);
  assert.ok(dashboard.schemaVersion >= 36);
  const ids = new Set<number>();
  for (const p of dashboard.panels) {
    assert.ok(!ids.has(p.id), `panel id ${p.id} used twice`);
    ids.add(p.id);
    const g = p.gridPos;
    assert.ok(g.x >= 0 && g.x + g.w <= 24 && g.h > 0 && g.y >= 0, `${p.title}: ${JSON.stringify(g)}`);
    if (p.type === 'row') continue;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template
    assert.deepEqual(p.datasource, { type: 'prometheus', uid: '${datasource}' }, p.title);
    assert.ok((p.targets ?? []).length > 0, `${p.title} has no query`);
  }
  const titles = dashboard.panels.map((p) => p.title);
  for (const wanted of [
    'Bytes in per topic',
    'Request time p99 per API',
    'Lag per group (records)',
    'Lag per group (seconds)',
    'Partitions and leaders per broker',
    'Memory',
  ])
    assert.ok(titles.includes(wanted), `missing panel ${wanted}`);
  assert.deepEqual(
    dashboard.templating.list.map((v) => v.name),
    ['datasource', 'instance', 'topic', 'group', 'request'],
  );
});

test('every metric the dashboard queries is one Samsa exports', async () => {
  const names = await exported();
  let checked = 0;
  for (const q of queries()) {
    const used = q.expr.match(METRIC) ?? [];
    assert.ok(used.length > 0, `${q.where} names no metric: ${q.expr}`);
    for (const name of used) {
      assert.ok(names.has(name), `${q.where} queries ${name}, which Samsa does not export`);
      checked++;
    }
  }
  assert.ok(checked >= 40, `${checked} metric references checked`);
});

test('every dashboard query is valid PromQL (promtool check rules)', async (t) => {
  if (!needs(t, 'promtool')) return;
  const dir = mkdtempSync(join(tmpdir(), 'samsa-dashboard-'));
  try {
    // Grafana's variables become what they stand for before Prometheus sees a query.
    const concrete = (expr: string) =>
      expr
        .replaceAll('$__rate_interval', '1m')
        .replace(/\$(instance|topic|group|request)\b/g, '.*')
        .replace(/^label_values\((\w+), \w+\)$/, '$1');
    const rules = queries().map(
      (q, i) => `      - record: dashboard:query_${i}\n        expr: ${JSON.stringify(concrete(q.expr))}`,
    );
    const file = join(dir, 'rules.yml');
    writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
    const r = await run('promtool', ['check', 'rules', file]);
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, new RegExp(`SUCCESS: ${rules.length} rules found`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
