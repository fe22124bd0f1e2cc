import assert from 'node:assert/strict';
import { test } from 'node:test';
import { x } from '../src/index.js';

test('the package entry point loads', () => {
  assert.equal(x, 1);
});
