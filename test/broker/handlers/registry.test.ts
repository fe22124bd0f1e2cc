// Every handler file is registered, and each one's API key matches its file name (DESIGN.md §1.2).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CONTROLLER_HANDLERS } from '../../../src/broker/handlers/controller-index.js';
import type { Handler } from '../../../src/broker/handlers/handler.js';
import { HANDLERS } from '../../../src/broker/handlers/index.js';
import { apiDecl } from '../../../src/protocol/frame.js';
import { parseVersions } from '../../../src/protocol/schema/declaration.js';

const handlersDir = join(dirname(fileURLToPath(import.meta.url)), '../../../src/broker/handlers');

test('every NN-name handler file is in a registry under its own API key', async () => {
  const files = readdirSync(handlersDir).filter((f) => /^\d\d-.*\.js$/.test(f));
  assert.ok(files.length >= 18);
  const all = new Set<unknown>([...HANDLERS, ...CONTROLLER_HANDLERS]);
  for (const file of files) {
    const mod = (await import(join(handlersDir, file))) as Record<string, Handler>;
    const exported = Object.values(mod).filter((v) => typeof v === 'object' && v !== null && 'apiKey' in v);
    assert.equal(exported.length, 1, `${file} exports one handler`);
    const h = exported[0];
    assert.equal(h.apiKey, Number(file.slice(0, 2)), `${file}: API key`);
    assert.ok(
      all.has(h),
      `${file} is registered in neither handlers/index.ts nor handlers/controller-index.ts`,
    );
  }
  assert.equal(all.size, files.length);
});

test('no handler claims versions its API does not define', () => {
  for (const h of [...HANDLERS, ...CONTROLLER_HANDLERS]) {
    const api = apiDecl(h.apiKey);
    assert.ok(api, `API key ${h.apiKey} is unknown`);
    const { min, max } = parseVersions(api.request.valid);
    assert.ok(
      h.minVersion >= min && h.maxVersion <= max,
      `${api.name}: ${h.minVersion}-${h.maxVersion} outside ${min}-${max}`,
    );
  }
});
