import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Admin, Consumer, KafkaError, Producer } from '../src/index.js';

test('the package entry point loads', () => {
  for (const c of [Admin, Consumer, Producer, KafkaError]) assert.equal(typeof c, 'function');
});
