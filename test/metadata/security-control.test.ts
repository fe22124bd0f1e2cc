// SCRAM credentials, ACLs and client quotas as controller logic and image replay: the checks Kafka
// makes before writing records, the records themselves through the metadata log's encoding, and the
// image they build.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomTopicId } from '../../src/broker/controller/quorum-controller.js';
import { EMPTY_IMAGE, type MetadataImage, replay } from '../../src/metadata/image.js';
import {
  decodeMetadataRecord,
  encodeMetadataRecord,
  type MetadataRecord,
} from '../../src/metadata/records.js';
import {
  alterClientQuotas,
  alterScramCredentials,
  createAcls,
  deleteAcls,
  describeClientQuotas,
} from '../../src/metadata/security-control.js';
import {
  type AclBinding,
  AclOperation,
  PatternType,
  Permission,
  ResourceType,
} from '../../src/security/acl/types.js';
import { createCredential } from '../../src/security/sasl/scram.js';

/** Records through the log's encoding, then into a new image. */
function commit(image: MetadataImage, records: MetadataRecord[]): MetadataImage {
  const decoded = records.map((r) => decodeMetadataRecord(encodeMetadataRecord(r)) as MetadataRecord);
  return replay(image, decoded, image.offset + records.length);
}

const upsert = (name: string, mechanism: number, iterations = 4096) => ({
  name,
  mechanism,
  iterations,
  salt: Buffer.alloc(32, 1),
  saltedPassword: Buffer.alloc(mechanism === 2 ? 64 : 32, 2),
});

test("SCRAM credentials: Kafka's checks, then StoredKey and ServerKey stored, never the salted password", () => {
  const bad = alterScramCredentials(
    EMPTY_IMAGE,
    [{ name: 'ghost', mechanism: 1 }],
    [
      upsert('', 1),
      upsert('few', 1, 4095),
      upsert('many', 1, 16385),
      upsert('odd', 9),
      upsert('twice', 1),
      upsert('twice', 1),
    ],
  );
  assert.equal(bad.records.length, 0);
  const codes = Object.fromEntries(bad.results.map((r) => [r.user, r.errorCode]));
  assert.deepEqual(codes, { ghost: 91, '': 93, few: 93, many: 93, odd: 33, twice: 92 });
  const ok = alterScramCredentials(EMPTY_IMAGE, [], [upsert('alice', 1), upsert('alice', 2, 8192)]);
  assert.deepEqual(ok.results, [{ user: 'alice', errorCode: 0, errorMessage: null }]);
  const image = commit(EMPTY_IMAGE, ok.records);
  const stored = image.security.scram.get('alice');
  assert.deepEqual([...(stored?.keys() ?? [])], [1, 2]);
  assert.equal(stored?.get(2)?.iterations, 8192);
  for (const r of ok.records) assert.equal('saltedPassword' in r.data, false);
  const removed = commit(image, alterScramCredentials(image, [{ name: 'alice', mechanism: 1 }], []).records);
  assert.deepEqual([...(removed.security.scram.get('alice')?.keys() ?? [])], [2]);
  // What the tools derive from a clear password matches what the controller derives from the salted one.
  const c = createCredential('SCRAM-SHA-256', 'pw', 4096, Buffer.alloc(32, 5));
  assert.equal(c.storedKey.length, 32);
});

const acl = (o: Partial<AclBinding>): AclBinding => ({
  resourceType: ResourceType.TOPIC,
  resourceName: 'orders',
  patternType: PatternType.LITERAL,
  principal: 'User:alice',
  host: '*',
  operation: AclOperation.READ,
  permission: Permission.ALLOW,
  ...o,
});

test('ACLs: invalid bindings refused, duplicates stored once, filters delete what they match', () => {
  const ids = randomTopicId;
  const created = createAcls(
    EMPTY_IMAGE,
    [
      acl({}),
      acl({}),
      acl({ resourceName: '' }),
      acl({ resourceType: ResourceType.CLUSTER, resourceName: 'other' }),
      acl({ principal: 'alice' }),
      acl({ patternType: PatternType.MATCH }),
      acl({ operation: AclOperation.ANY }),
      acl({ patternType: PatternType.PREFIXED, resourceName: 'ord', permission: Permission.DENY }),
    ],
    ids,
  );
  assert.deepEqual(
    created.results.map((r) => r.errorCode),
    [0, 0, 42, 42, 42, 42, 42, 0],
  );
  assert.equal(created.records.length, 2);
  let image = commit(EMPTY_IMAGE, created.records);
  assert.equal(image.security.acls.size, 2);
  // Creating an existing ACL again writes nothing.
  assert.equal(createAcls(image, [acl({})], ids).records.length, 0);
  const removed = deleteAcls(image, [
    {
      resourceType: ResourceType.TOPIC,
      resourceName: 'orders',
      patternType: PatternType.MATCH,
      principal: null,
      host: null,
      operation: AclOperation.ANY,
      permission: Permission.DENY,
    },
  ]);
  assert.equal(removed.results[0].matching.length, 1, 'MATCH finds the prefixed DENY that covers orders');
  image = commit(image, removed.records);
  assert.deepEqual([...image.security.acls.values()], [acl({})]);
});

test('client quotas: entities, keys and values checked; precedence-ready entries stored and described', () => {
  const bad = alterClientQuotas(EMPTY_IMAGE, [
    { entity: [{ entityType: 'user', entityName: 'a' }], ops: [{ key: 'bogus', value: 1, remove: false }] },
    {
      entity: [{ entityType: 'user', entityName: 'a' }],
      ops: [{ key: 'producer_byte_rate', value: 1.5, remove: false }],
    },
    {
      entity: [{ entityType: 'user', entityName: 'a' }],
      ops: [{ key: 'producer_byte_rate', value: -1, remove: false }],
    },
    { entity: [], ops: [{ key: 'producer_byte_rate', value: 1, remove: false }] },
    {
      entity: [{ entityType: 'ip', entityName: '1.2.3.4' }],
      ops: [{ key: 'connection_creation_rate', value: 1, remove: false }],
    },
  ]);
  assert.deepEqual(
    bad.results.map((r) => r.errorCode),
    [42, 42, 42, 42, 42],
  );
  const ok = alterClientQuotas(EMPTY_IMAGE, [
    {
      entity: [
        { entityType: 'user', entityName: 'alice' },
        { entityType: 'client-id', entityName: null },
      ],
      ops: [{ key: 'producer_byte_rate', value: 1024, remove: false }],
    },
    {
      entity: [{ entityType: 'user', entityName: null }],
      ops: [{ key: 'request_percentage', value: 50, remove: false }],
    },
  ]);
  const image = commit(EMPTY_IMAGE, ok.records);
  const all = describeClientQuotas(image, [], false);
  assert.ok(Array.isArray(all) && all.length === 2);
  const strictUser = describeClientQuotas(image, [{ entityType: 'user', matchType: 1, match: null }], true);
  assert.deepEqual(strictUser, [{ entity: { user: null }, values: new Map([['request_percentage', 50]]) }]);
  const aliceAny = describeClientQuotas(image, [{ entityType: 'user', matchType: 0, match: 'alice' }], false);
  assert.ok(Array.isArray(aliceAny) && aliceAny.length === 1);
  assert.equal(
    describeClientQuotas(image, [{ entityType: 'bogus', matchType: 0, match: 'x' }], false),
    'Custom entity type bogus not supported',
  );
  const cleared = commit(
    image,
    alterClientQuotas(image, [
      {
        entity: [{ entityType: 'user', entityName: null }],
        ops: [{ key: 'request_percentage', value: 0, remove: true }],
      },
    ]).records,
  );
  assert.equal(cleared.security.quotas.size, 1);
});
