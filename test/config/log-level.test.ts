// log.level: a default level with optional per-component levels, checked when the config loads.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LOG_COMPONENTS, parseLogLevels } from '../../src/config/index.js';
import { DEVELOPER_DEFAULTS, loadBrokerConfig } from '../../src/config/load.js';
import { repoRoot } from '../helpers/paths.js';

test('log.level takes a default level and component=level overrides', () => {
  const r = loadBrokerConfig({
    base: DEVELOPER_DEFAULTS,
    overrides: ['log.level=warn,replicas=debug,server=info'],
    env: {},
  });
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.equal(r.config.logLevel, 'warn');
  assert.deepEqual(r.config.logLevels, { replicas: 'debug', server: 'info' });
  assert.equal(r.config.get('log.level')?.text, 'warn,replicas=debug,server=info');
  const plain = loadBrokerConfig({ base: DEVELOPER_DEFAULTS, env: {} });
  assert.ok(plain.ok);
  assert.equal(plain.config.logLevel, 'info');
  assert.deepEqual(plain.config.logLevels, {});
  // KAFKA_LOG_LEVEL sets it too, as every key.
  const env = loadBrokerConfig({ base: DEVELOPER_DEFAULTS, env: { KAFKA_LOG_LEVEL: 'error,storage=trace' } });
  assert.ok(env.ok, env.ok ? '' : env.error);
  assert.deepEqual(env.config.logLevels, { storage: 'trace' });
});

test('a bad level or an unknown component is a load error naming the problem', () => {
  const bad = (value: string) => {
    const r = loadBrokerConfig({ base: DEVELOPER_DEFAULTS, overrides: [`log.level=${value}`], env: {} });
    assert.ok(!r.ok, `${value} should be refused`);
    return r.error;
  };
  assert.match(bad('loud'), /log\.level.*default level must be one of: trace, debug, info/);
  assert.match(bad('info,replica=debug'), /Unknown component 'replica'; components are broker, storage/);
  assert.match(bad('info,server=chatty'), /level of server must be one of/);
  assert.match(bad('info,server'), /level of server must be one of/);
  assert.deepEqual(parseLogLevels('debug , metrics=off'), {
    ok: true,
    value: { level: 'debug', components: { metrics: 'off' } },
  });
});

test('every component the broker names its loggers after can be set in log.level', () => {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts'))
        for (const m of readFileSync(p, 'utf8').matchAll(/\.child\('([^']+)'\)/g)) names.add(m[1]);
    }
  };
  walk(join(repoRoot, 'src'));
  assert.ok(names.size >= 5, `found ${[...names]}`);
  for (const n of names) assert.ok((LOG_COMPONENTS as readonly string[]).includes(n), `${n} is missing`);
});
