import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, errorByName, errorInfo, KAFKA_ERRORS } from '../../src/protocol/errors.js';

test('the error table has every code from -1 to 128 but 99, each with a name and a message', () => {
  const codes = [...KAFKA_ERRORS.keys()].sort((a, b) => a - b);
  const expected = Array.from({ length: 130 }, (_, i) => i - 1).filter((c) => c !== 99);
  assert.deepEqual(codes, expected);
  const names = new Set<string>();
  for (const info of KAFKA_ERRORS.values()) {
    assert.match(info.name, /^[A-Z][A-Z_0-9]+$/);
    assert.ok(!names.has(info.name), `duplicate name ${info.name}`);
    names.add(info.name);
    assert.ok(info.message.length > 5);
    assert.equal(ErrorCode[info.name as keyof typeof ErrorCode], info.code);
  }
});

test('retriable codes follow Kafka: leadership and coordinator moves retry, authorization does not', () => {
  for (const name of [
    'NOT_LEADER_OR_FOLLOWER',
    'UNKNOWN_TOPIC_OR_PARTITION',
    'NOT_COORDINATOR',
    'REQUEST_TIMED_OUT',
  ]) {
    assert.equal(errorByName(name)?.retriable, true, name);
  }
  for (const name of [
    'TOPIC_AUTHORIZATION_FAILED',
    'INVALID_CONFIG',
    'MESSAGE_TOO_LARGE',
    'UNKNOWN_MEMBER_ID',
  ]) {
    assert.equal(errorByName(name)?.retriable, false, name);
  }
  assert.equal(errorInfo(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER).code, 45);
  assert.equal(errorInfo(4242).name, 'UNKNOWN_ERROR_4242');
});
