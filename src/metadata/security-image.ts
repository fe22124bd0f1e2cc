// The security part of the MetadataImage, replayed from Kafka's records: SCRAM credentials
// (UserScramCredentialRecord, RemoveUserScramCredentialRecord), ACLs (AccessControlEntryRecord,
// RemoveAccessControlEntryRecord, keyed by the id the controller gave each) and client quotas
// (ClientQuotaRecord). Immutable like the rest of the image: a replay copies only the maps it changes.
import type { AclBinding } from '../security/acl/types.js';
import { entityKey, type QuotaEntity } from '../security/quotas.js';
import type { ScramCredential } from '../security/sasl/scram.js';
import { type MetadataRecord, record } from './records.js';

export interface StoredQuota {
  entity: QuotaEntity;
  /** Quota key (producer_byte_rate, ...) → value. */
  values: ReadonlyMap<string, number>;
}

export interface SecurityImage {
  /** user → SCRAM mechanism type (1 SHA-256, 2 SHA-512) → credential. */
  readonly scram: ReadonlyMap<string, ReadonlyMap<number, ScramCredential>>;
  /** ACL id → binding. */
  readonly acls: ReadonlyMap<string, AclBinding>;
  /** entityKey → the entity and its quotas. */
  readonly quotas: ReadonlyMap<string, StoredQuota>;
}

export const EMPTY_SECURITY: SecurityImage = { scram: new Map(), acls: new Map(), quotas: new Map() };

export const SECURITY_RECORD_KINDS: ReadonlySet<string> = new Set([
  'UserScramCredential',
  'RemoveUserScramCredential',
  'AccessControlEntry',
  'RemoveAccessControlEntry',
  'ClientQuota',
]);

/** A draft that copies a map of the image the first time a record changes it. */
export class SecurityDraft {
  private scram: Map<string, ReadonlyMap<number, ScramCredential>> | null = null;
  private acls: Map<string, AclBinding> | null = null;
  private quotas: Map<string, StoredQuota> | null = null;

  constructor(private readonly base: SecurityImage) {}

  apply(r: MetadataRecord): void {
    switch (r.kind) {
      case 'UserScramCredential': {
        this.scram ??= new Map(this.base.scram);
        const byMechanism = new Map(this.scram.get(r.data.name) ?? []);
        byMechanism.set(r.data.mechanism, {
          salt: r.data.salt,
          storedKey: r.data.storedKey,
          serverKey: r.data.serverKey,
          iterations: r.data.iterations,
        });
        this.scram.set(r.data.name, byMechanism);
        return;
      }
      case 'RemoveUserScramCredential': {
        this.scram ??= new Map(this.base.scram);
        const byMechanism = new Map(this.scram.get(r.data.name) ?? []);
        byMechanism.delete(r.data.mechanism);
        if (byMechanism.size === 0) this.scram.delete(r.data.name);
        else this.scram.set(r.data.name, byMechanism);
        return;
      }
      case 'AccessControlEntry':
        this.acls ??= new Map(this.base.acls);
        this.acls.set(r.data.id, {
          resourceType: r.data.resourceType as AclBinding['resourceType'],
          resourceName: r.data.resourceName,
          patternType: r.data.patternType as AclBinding['patternType'],
          principal: r.data.principal,
          host: r.data.host,
          operation: r.data.operation as AclBinding['operation'],
          permission: r.data.permissionType as AclBinding['permission'],
        });
        return;
      case 'RemoveAccessControlEntry':
        this.acls ??= new Map(this.base.acls);
        this.acls.delete(r.data.id);
        return;
      case 'ClientQuota':
        this.applyQuota(r.data);
        return;
    }
  }

  private applyQuota(data: Extract<MetadataRecord, { kind: 'ClientQuota' }>['data']): void {
    const entity: QuotaEntity = {};
    for (const e of data.entity) {
      if (e.entityType === 'user') entity.user = e.entityName;
      else if (e.entityType === 'client-id') entity.clientId = e.entityName;
      else return; // ip quotas (connection_creation_rate) are not kept
    }
    this.quotas ??= new Map(this.base.quotas);
    const key = entityKey(entity);
    const values = new Map(this.quotas.get(key)?.values ?? []);
    if (data.remove) values.delete(data.key);
    else values.set(data.key, data.value);
    if (values.size === 0) this.quotas.delete(key);
    else this.quotas.set(key, { entity, values });
  }

  build(): SecurityImage {
    if (!this.scram && !this.acls && !this.quotas) return this.base;
    return {
      scram: this.scram ?? this.base.scram,
      acls: this.acls ?? this.base.acls,
      quotas: this.quotas ?? this.base.quotas,
    };
  }
}

/** The records that rebuild the security part of an image from nothing (a metadata snapshot's share). */
export function securityRecords(image: SecurityImage): MetadataRecord[] {
  const out: MetadataRecord[] = [];
  for (const [name, byMechanism] of image.scram)
    for (const [mechanism, c] of byMechanism)
      out.push(
        record('UserScramCredential', {
          name,
          mechanism,
          salt: c.salt,
          storedKey: c.storedKey,
          serverKey: c.serverKey,
          iterations: c.iterations,
        }),
      );
  for (const [id, b] of image.acls)
    out.push(
      record('AccessControlEntry', {
        id,
        resourceType: b.resourceType,
        resourceName: b.resourceName,
        patternType: b.patternType,
        principal: b.principal,
        host: b.host,
        operation: b.operation,
        permissionType: b.permission,
      }),
    );
  for (const { entity, values } of image.quotas.values()) {
    const parts: { entityType: string; entityName: string | null }[] = [];
    if (entity.user !== undefined) parts.push({ entityType: 'user', entityName: entity.user });
    if (entity.clientId !== undefined) parts.push({ entityType: 'client-id', entityName: entity.clientId });
    for (const [key, value] of values)
      out.push(record('ClientQuota', { entity: parts, key, value, remove: false }));
  }
  return out;
}
