// Controller logic of SCRAM credentials, ACLs and client quotas: each change is validated against the
// current image and answered with the records that make it (UserScramCredentialRecord,
// AccessControlEntryRecord, ClientQuotaRecord, ...) and Kafka's result per item. As the rest of the
// controller, nothing here touches the image.
import { ErrorCode } from '../protocol/errors.js';
import { bindingProblem, filterMatches, filterProblem } from '../security/acl/authorizer.js';
import type { AclBinding, AclFilter } from '../security/acl/types.js';
import { entityKey, QUOTA_KINDS, type QuotaEntity } from '../security/quotas.js';
import {
  credentialFromSaltedPassword,
  SCRAM_ITERATIONS_MAX,
  SCRAM_ITERATIONS_MIN,
  scramMechanismOfType,
} from '../security/sasl/scram.js';
import type { MetadataImage } from './image.js';
import { type MetadataRecord, record } from './records.js';

export interface ItemResult {
  errorCode: number;
  errorMessage: string | null;
}

const OK: ItemResult = { errorCode: ErrorCode.NONE, errorMessage: null };
const fail = (errorCode: number, errorMessage: string): ItemResult => ({ errorCode, errorMessage });

// --- SCRAM credentials (AlterUserScramCredentials, KIP-554) ---

export interface ScramDeletion {
  name: string;
  mechanism: number;
}

export interface ScramUpsertion extends ScramDeletion {
  iterations: number;
  salt: Buffer;
  saltedPassword: Buffer;
}

export function alterScramCredentials(
  image: MetadataImage,
  deletions: readonly ScramDeletion[],
  upsertions: readonly ScramUpsertion[],
): { records: MetadataRecord[]; results: ({ user: string } & ItemResult)[] } {
  // Every user named gets one result; the first problem of any of its alterations is that result.
  const users = [...new Set([...deletions, ...upsertions].map((a) => a.name))];
  const problems = new Map<string, ItemResult>();
  const seen = new Set<string>();
  const note = (user: string, r: ItemResult) => {
    if (!problems.has(user)) problems.set(user, r);
  };
  for (const a of [...deletions, ...upsertions]) {
    const key = `${a.name}\u0000${a.mechanism}`;
    if (seen.has(key))
      note(
        a.name,
        fail(ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request'),
      );
    seen.add(key);
  }
  for (const d of deletions) {
    const problem = scramTargetProblem(d);
    if (problem) note(d.name, problem);
    else if (!image.security.scram.get(d.name)?.has(d.mechanism))
      note(
        d.name,
        fail(ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist'),
      );
  }
  for (const u of upsertions) {
    const problem = scramTargetProblem(u);
    if (problem) note(u.name, problem);
    else if (u.iterations < SCRAM_ITERATIONS_MIN)
      note(
        u.name,
        fail(ErrorCode.UNACCEPTABLE_CREDENTIAL, `Too few iterations (minimum ${SCRAM_ITERATIONS_MIN})`),
      );
    else if (u.iterations > SCRAM_ITERATIONS_MAX)
      note(
        u.name,
        fail(ErrorCode.UNACCEPTABLE_CREDENTIAL, `Too many iterations (maximum ${SCRAM_ITERATIONS_MAX})`),
      );
    else if (u.salt.length === 0 || u.saltedPassword.length === 0)
      note(u.name, fail(ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Salt and salted password must not be empty'));
  }
  const records: MetadataRecord[] = [];
  for (const d of deletions)
    if (!problems.has(d.name))
      records.push(record('RemoveUserScramCredential', { name: d.name, mechanism: d.mechanism }));
  for (const u of upsertions) {
    if (problems.has(u.name)) continue;
    const mechanism = scramMechanismOfType(u.mechanism);
    if (!mechanism) continue;
    const c = credentialFromSaltedPassword(mechanism, u.saltedPassword, u.salt, u.iterations);
    records.push(
      record('UserScramCredential', {
        name: u.name,
        mechanism: u.mechanism,
        salt: c.salt,
        storedKey: c.storedKey,
        serverKey: c.serverKey,
        iterations: c.iterations,
      }),
    );
  }
  return { records, results: users.map((user) => ({ user, ...(problems.get(user) ?? OK) })) };
}

function scramTargetProblem(a: ScramDeletion): ItemResult | null {
  if (a.name === '') return fail(ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty');
  if (!scramMechanismOfType(a.mechanism))
    return fail(ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism');
  return null;
}

// --- ACLs (CreateAcls, DeleteAcls) ---

export function createAcls(
  image: MetadataImage,
  bindings: readonly AclBinding[],
  randomId: () => string,
): { records: MetadataRecord[]; results: ItemResult[] } {
  const existing = new Set([...image.security.acls.values()].map(aclKey));
  const records: MetadataRecord[] = [];
  const results = bindings.map((b) => {
    const problem = bindingProblem(b);
    if (problem) return fail(ErrorCode.INVALID_REQUEST, problem);
    const key = aclKey(b);
    // Creating an ACL that exists already succeeds without a second copy, as in Kafka.
    if (existing.has(key)) return OK;
    existing.add(key);
    records.push(
      record('AccessControlEntry', {
        id: randomId(),
        resourceType: b.resourceType,
        resourceName: b.resourceName,
        patternType: b.patternType,
        principal: b.principal,
        host: b.host,
        operation: b.operation,
        permissionType: b.permission,
      }),
    );
    return OK;
  });
  return { records, results };
}

function aclKey(b: AclBinding): string {
  return [b.resourceType, b.resourceName, b.patternType, b.principal, b.host, b.operation, b.permission].join(
    '\u0000',
  );
}

export interface DeleteFilterResult extends ItemResult {
  matching: AclBinding[];
}

export function deleteAcls(
  image: MetadataImage,
  filters: readonly AclFilter[],
): { records: MetadataRecord[]; results: DeleteFilterResult[] } {
  const removed = new Set<string>();
  const records: MetadataRecord[] = [];
  const results = filters.map((f) => {
    const problem = filterProblem(f);
    if (problem) return { ...fail(ErrorCode.INVALID_REQUEST, problem), matching: [] };
    const matching: AclBinding[] = [];
    for (const [id, acl] of image.security.acls) {
      if (!filterMatches(f, acl)) continue;
      matching.push(acl);
      if (removed.has(id)) continue;
      removed.add(id);
      records.push(record('RemoveAccessControlEntry', { id }));
    }
    return { ...OK, matching };
  });
  return { records, results };
}

// --- Client quotas (AlterClientQuotas, DescribeClientQuotas) ---

export interface QuotaEntityData {
  entityType: string;
  entityName: string | null;
}

export interface QuotaAlteration {
  entity: readonly QuotaEntityData[];
  ops: readonly { key: string; value: number; remove: boolean }[];
}

/** Kafka's quota keys for user and client-id entities; byte rates are whole numbers. */
const INTEGER_QUOTAS = new Set(['producer_byte_rate', 'consumer_byte_rate']);

/** The entity a request names, or why it cannot be used. */
export function quotaEntityOf(data: readonly QuotaEntityData[]): QuotaEntity | string {
  const entity: QuotaEntity = {};
  for (const e of data) {
    if (e.entityType === 'user') {
      if ('user' in entity) return 'Duplicate user entity type';
      entity.user = e.entityName;
    } else if (e.entityType === 'client-id') {
      if ('clientId' in entity) return 'Duplicate client-id entity type';
      entity.clientId = e.entityName;
    } else if (e.entityType === 'ip') {
      return 'IP quotas (connection_creation_rate) are not supported by Samsa';
    } else return `Unhandled client quota entity type: ${e.entityType}`;
  }
  if (!('user' in entity) && !('clientId' in entity)) return 'Invalid empty client quota entity';
  return entity;
}

export function alterClientQuotas(
  image: MetadataImage,
  entries: readonly QuotaAlteration[],
): { records: MetadataRecord[]; results: ItemResult[] } {
  const records: MetadataRecord[] = [];
  const results = entries.map((entry) => {
    const entity = quotaEntityOf(entry.entity);
    if (typeof entity === 'string') return fail(ErrorCode.INVALID_REQUEST, entity);
    const keys = new Set<string>();
    for (const op of entry.ops) {
      if (!(QUOTA_KINDS as readonly string[]).includes(op.key))
        return fail(ErrorCode.INVALID_REQUEST, `Invalid configuration key ${op.key}`);
      if (keys.has(op.key))
        return fail(
          ErrorCode.INVALID_REQUEST,
          `Duplicate quota key ${op.key} not updating quota for entity ${entityKey(entity)}`,
        );
      keys.add(op.key);
      if (op.remove) continue;
      if (!(op.value > 0))
        return fail(ErrorCode.INVALID_REQUEST, `Quota ${op.key} must be a positive number, not ${op.value}`);
      if (INTEGER_QUOTAS.has(op.key) && !Number.isInteger(op.value))
        return fail(
          ErrorCode.INVALID_REQUEST,
          `Quota ${op.key} must be a whole number of bytes, not ${op.value}`,
        );
    }
    const stored = image.security.quotas.get(entityKey(entity))?.values;
    for (const op of entry.ops) {
      if (op.remove && !stored?.has(op.key)) continue;
      records.push(
        record('ClientQuota', {
          entity: entry.entity.map((e) => ({ entityType: e.entityType, entityName: e.entityName })),
          key: op.key,
          value: op.remove ? 0 : op.value,
          remove: op.remove,
        }),
      );
    }
    return OK;
  });
  return { records, results };
}

export interface QuotaFilterComponent {
  entityType: string;
  /** 0 exact name, 1 the default entity, 2 any specified (non-default) name. */
  matchType: number;
  match: string | null;
}

/** The stored quotas a DescribeClientQuotas filter selects, or why the filter is invalid. */
export function describeClientQuotas(
  image: MetadataImage,
  components: readonly QuotaFilterComponent[],
  strict: boolean,
): { entity: QuotaEntity; values: ReadonlyMap<string, number> }[] | string {
  const types = new Set<string>();
  for (const c of components) {
    if (c.entityType !== 'user' && c.entityType !== 'client-id' && c.entityType !== 'ip')
      return `Custom entity type ${c.entityType} not supported`;
    if (types.has(c.entityType)) return `Duplicate ${c.entityType} in filter`;
    if (c.matchType < 0 || c.matchType > 2) return `Unknown match type ${c.matchType}`;
    types.add(c.entityType);
  }
  const out = [];
  for (const q of image.security.quotas.values()) {
    const parts = new Map<string, string | null>();
    if ('user' in q.entity) parts.set('user', q.entity.user ?? null);
    if ('clientId' in q.entity) parts.set('client-id', q.entity.clientId ?? null);
    if (strict && parts.size !== components.length) continue;
    const matches = components.every((c) => {
      if (!parts.has(c.entityType)) return false;
      const name = parts.get(c.entityType);
      if (c.matchType === 0) return name === c.match;
      if (c.matchType === 1) return name === null;
      return name !== null;
    });
    if (matches) out.push({ entity: q.entity, values: q.values });
  }
  return out;
}
