import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AclAuthorizer, filterMatches } from '../../src/security/acl/authorizer.js';
import {
  type AclBinding,
  AclOperation,
  PatternType,
  Permission,
  ResourceType,
} from '../../src/security/acl/types.js';
import { type KafkaPrincipal, user } from '../../src/security/principal.js';
import { Rng } from '../helpers/random.js';

const acl = (over: Partial<AclBinding>): AclBinding => ({
  resourceType: ResourceType.TOPIC,
  resourceName: 'orders',
  patternType: PatternType.LITERAL,
  principal: 'User:alice',
  host: '*',
  operation: AclOperation.READ,
  permission: Permission.ALLOW,
  ...over,
});

const alice = user('alice');
const bob = user('bob');
const settings = { superUsers: ['User:admin'], allowEveryoneIfNoAclFound: false };
const can = (a: AclAuthorizer, p: KafkaPrincipal, op: AclOperation, name: string, host = '10.0.0.1') =>
  a.authorize(p, host, op, ResourceType.TOPIC, name).allowed;

test('an ALLOW allows its principal, host and operation only', () => {
  const a = new AclAuthorizer(settings, [acl({ host: '10.0.0.1' })]);
  assert.equal(can(a, alice, AclOperation.READ, 'orders'), true);
  assert.equal(can(a, alice, AclOperation.READ, 'orders', '10.0.0.2'), false);
  assert.equal(can(a, bob, AclOperation.READ, 'orders'), false);
  assert.equal(can(a, alice, AclOperation.WRITE, 'orders'), false);
  assert.equal(can(a, alice, AclOperation.READ, 'orders2'), false);
});

test('DENY beats ALLOW, whatever the order and whatever the pattern', () => {
  const a = new AclAuthorizer(settings, [
    acl({ operation: AclOperation.ALL }),
    acl({ resourceName: 'ord', patternType: PatternType.PREFIXED, permission: Permission.DENY }),
  ]);
  assert.equal(can(a, alice, AclOperation.READ, 'orders'), false);
  assert.equal(can(a, alice, AclOperation.WRITE, 'orders'), true);
  const b = new AclAuthorizer(settings, [
    acl({ resourceName: '*', principal: 'User:*', permission: Permission.DENY }),
    acl({}),
  ]);
  assert.equal(can(b, alice, AclOperation.READ, 'orders'), false);
});

test('a PREFIXED ACL covers names that start with it and nothing else', () => {
  const a = new AclAuthorizer(settings, [
    acl({ resourceName: 'team-a.', patternType: PatternType.PREFIXED }),
  ]);
  assert.equal(can(a, alice, AclOperation.READ, 'team-a.orders'), true);
  assert.equal(can(a, alice, AclOperation.READ, 'team-a.'), true);
  assert.equal(can(a, alice, AclOperation.READ, 'team-a'), false);
  assert.equal(can(a, alice, AclOperation.READ, 'team-b.orders'), false);
  assert.equal(can(a, alice, AclOperation.READ, 'xteam-a.orders'), false);
});

test('ALLOW READ, WRITE, DELETE or ALTER implies DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS; DENY implies nothing', () => {
  for (const op of [AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE, AclOperation.ALTER]) {
    const a = new AclAuthorizer(settings, [acl({ operation: op })]);
    assert.equal(can(a, alice, AclOperation.DESCRIBE, 'orders'), true, `op ${op}`);
  }
  const c = new AclAuthorizer(settings, [acl({ operation: AclOperation.ALTER_CONFIGS })]);
  assert.equal(can(c, alice, AclOperation.DESCRIBE_CONFIGS, 'orders'), true);
  assert.equal(can(c, alice, AclOperation.DESCRIBE, 'orders'), false);
  const d = new AclAuthorizer(settings, [
    acl({ operation: AclOperation.DESCRIBE }),
    acl({ operation: AclOperation.READ, permission: Permission.DENY }),
  ]);
  assert.equal(can(d, alice, AclOperation.DESCRIBE, 'orders'), true);
  assert.equal(can(d, alice, AclOperation.READ, 'orders'), false);
});

test('super users bypass DENY; User:* matches every user; no ACL on a resource falls back to the default', () => {
  const a = new AclAuthorizer(settings, [acl({ principal: 'User:*', permission: Permission.DENY })]);
  assert.equal(can(a, user('admin'), AclOperation.READ, 'orders'), true);
  assert.equal(can(a, bob, AclOperation.READ, 'orders'), false);
  const open = new AclAuthorizer({ superUsers: [], allowEveryoneIfNoAclFound: true }, [acl({})]);
  assert.equal(can(open, bob, AclOperation.READ, 'payments'), true, 'no ACL names payments');
  assert.equal(can(open, bob, AclOperation.READ, 'orders'), false, 'an ACL names orders, none for bob');
});

test('authorizeByResourceType: an ALLOW not covered by a DENY (KIP-679 idempotent write through any topic)', () => {
  const by = (acls: AclBinding[]) =>
    new AclAuthorizer(settings, acls).authorizeByResourceType(
      alice,
      '1.2.3.4',
      AclOperation.WRITE,
      ResourceType.TOPIC,
    );
  assert.equal(by([]), false);
  assert.equal(by([acl({ operation: AclOperation.WRITE })]), true);
  assert.equal(
    by([
      acl({ operation: AclOperation.WRITE }),
      acl({ operation: AclOperation.WRITE, permission: Permission.DENY }),
    ]),
    false,
  );
  assert.equal(
    by([
      acl({ operation: AclOperation.WRITE, resourceName: 'orders.eu' }),
      acl({
        operation: AclOperation.WRITE,
        patternType: PatternType.PREFIXED,
        resourceName: 'ord',
        permission: Permission.DENY,
      }),
    ]),
    false,
  );
  assert.equal(
    by([
      acl({
        operation: AclOperation.WRITE,
        resourceName: '*',
        principal: 'User:*',
        permission: Permission.DENY,
      }),
      acl({ operation: AclOperation.WRITE }),
    ]),
    false,
  );
});

// A reference model written straight from the rules, checked against the indexed authorizer on
// random ACL sets (CVE-2024-27309 was ACLs mis-applied; a model catches that class of bug).
function model(
  acls: AclBinding[],
  p: KafkaPrincipal,
  host: string,
  op: AclOperation,
  name: string,
  everyone: boolean,
) {
  if (`${p.type}:${p.name}` === 'User:admin') return true;
  const naming = acls.filter(
    (a) =>
      a.resourceType === ResourceType.TOPIC &&
      (a.patternType === PatternType.LITERAL
        ? a.resourceName === name || a.resourceName === '*'
        : name.startsWith(a.resourceName)),
  );
  const matching = naming.filter((a) => {
    if (a.principal !== `User:${p.name}` && a.principal !== 'User:*') return false;
    if (a.host !== '*' && a.host !== host) return false;
    if (a.operation === AclOperation.ALL || a.operation === op) return true;
    if (a.permission !== Permission.ALLOW) return false;
    if (op === AclOperation.DESCRIBE)
      return [AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE, AclOperation.ALTER].includes(
        a.operation as never,
      );
    if (op === AclOperation.DESCRIBE_CONFIGS) return a.operation === AclOperation.ALTER_CONFIGS;
    return false;
  });
  if (matching.some((a) => a.permission === Permission.DENY)) return false;
  if (matching.some((a) => a.permission === Permission.ALLOW)) return true;
  return naming.length === 0 && everyone;
}

test('the authorizer agrees with the reference model on 2,000 random ACL sets', () => {
  const rng = new Rng(20261207);
  const names = ['a', 'ab', 'abc', 'abd', 'b', '*'];
  const ops = [
    AclOperation.ALL,
    AclOperation.READ,
    AclOperation.WRITE,
    AclOperation.DESCRIBE,
    AclOperation.ALTER_CONFIGS,
    AclOperation.DESCRIBE_CONFIGS,
  ];
  for (let round = 0; round < 2000; round++) {
    const acls: AclBinding[] = [];
    for (let i = rng.int(0, 6); i > 0; i--) {
      const prefixed = rng.chance(0.4);
      acls.push(
        acl({
          resourceName: prefixed ? rng.pick(names.filter((n) => n !== '*')) : rng.pick(names),
          patternType: prefixed ? PatternType.PREFIXED : PatternType.LITERAL,
          principal: rng.pick(['User:alice', 'User:bob', 'User:*']),
          host: rng.pick(['*', '10.0.0.1', '10.0.0.2']),
          operation: rng.pick(ops),
          permission: rng.chance(0.3) ? Permission.DENY : Permission.ALLOW,
        }),
      );
    }
    const everyone = rng.chance(0.5);
    const a = new AclAuthorizer({ superUsers: ['User:admin'], allowEveryoneIfNoAclFound: everyone }, acls);
    for (let q = 0; q < 10; q++) {
      const p = user(rng.pick(['alice', 'bob', 'carol', 'admin']));
      const host = rng.pick(['10.0.0.1', '10.0.0.2']);
      const op = rng.pick(ops.filter((o) => o !== AclOperation.ALL));
      const name = rng.pick(['a', 'ab', 'abc', 'abcd', 'b', 'c']);
      assert.equal(
        a.authorize(p, host, op, ResourceType.TOPIC, name).allowed,
        model(acls, p, host, op, name, everyone),
        `round ${round}: ${p.name}@${host} op ${op} on ${name} with ${JSON.stringify(acls)} everyone=${everyone}`,
      );
    }
  }
});

test('filters: MATCH finds the ACLs that apply to a name, ANY everything, LITERAL/PREFIXED exact patterns', () => {
  const acls = [
    acl({ resourceName: 'orders' }),
    acl({ resourceName: '*' }),
    acl({ resourceName: 'ord', patternType: PatternType.PREFIXED }),
    acl({ resourceName: 'pay', patternType: PatternType.PREFIXED }),
  ];
  const f = {
    resourceType: ResourceType.ANY,
    resourceName: 'orders',
    principal: null,
    host: null,
    operation: AclOperation.ANY,
    permission: Permission.ANY,
  };
  const names = (patternType: PatternType) =>
    acls
      .filter((a) => filterMatches({ ...f, patternType }, a))
      .map((a) => `${a.patternType}:${a.resourceName}`);
  assert.deepEqual(names(PatternType.MATCH), ['3:orders', '3:*', '4:ord']);
  assert.deepEqual(names(PatternType.ANY), ['3:orders']);
  assert.deepEqual(names(PatternType.LITERAL), ['3:orders']);
  assert.deepEqual(names(PatternType.PREFIXED), []);
});
