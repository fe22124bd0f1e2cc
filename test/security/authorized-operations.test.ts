// The authorized-operations bit fields, and the `can` callback an authorizer answers through.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AclOperation } from '../../src/security/acl/types.js';
import {
  authorizedOperations,
  clusterAuthorizedOperations,
} from '../../src/security/authorized-operations.js';

const bits = (...codes: number[]) => codes.reduce((b, c) => b | (1 << c), 0);

test('without an authorizer: every operation each resource type supports', () => {
  assert.equal(authorizedOperations('topic'), bits(3, 4, 5, 6, 7, 8, 10, 11));
  assert.equal(authorizedOperations('group'), bits(3, 6, 8, 10, 11));
  assert.equal(clusterAuthorizedOperations(), bits(5, 7, 8, 9, 10, 11, 12));
  assert.equal(authorizedOperations('transactional-id'), bits(4, 8));
});

test('with an authorizer: only what it allows; a cluster it may not describe is 0', () => {
  const asked: number[] = [];
  const noWrite = (op: number) => {
    asked.push(op);
    return op !== AclOperation.WRITE;
  };
  assert.equal(authorizedOperations('topic', noWrite), bits(3, 5, 6, 7, 8, 10, 11));
  assert.equal(asked.length, 8, 'asked once per supported operation');
  assert.equal(
    clusterAuthorizedOperations((op) => op !== AclOperation.DESCRIBE),
    0,
  );
  assert.equal(
    clusterAuthorizedOperations((op) => op === AclOperation.DESCRIBE),
    bits(8),
  );
});
