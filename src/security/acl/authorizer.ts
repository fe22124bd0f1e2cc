// Kafka's StandardAuthorizer semantics over the ACLs of the metadata log:
//  1. super users (`super.users`) may do anything;
//  2. a matching DENY wins over any ALLOW;
//  3. a matching ALLOW allows; an ALLOW for READ, WRITE, DELETE or ALTER also allows DESCRIBE, and one
//     for ALTER_CONFIGS allows DESCRIBE_CONFIGS (DENY implies nothing);
//  4. otherwise deny, except when no ACL at all names the resource and
//     `allow.everyone.if.no.acl.found` is set.
// An ACL names a resource when its pattern is LITERAL with the same name or `*`, or PREFIXED with a
// prefix of the name; it matches a request when, besides, its principal is the caller's or `User:*`,
// its host is the caller's address or `*`, and its operation is the one asked or ALL.
import { type KafkaPrincipal, principalString, WILDCARD_PRINCIPAL } from '../principal.js';
import {
  type AclBinding,
  type AclFilter,
  AclOperation,
  PatternType,
  Permission,
  ResourceType,
  WILDCARD_HOST,
  WILDCARD_RESOURCE,
} from './types.js';

export interface AuthorizerSettings {
  /** Principals as `User:alice` (Kafka's `super.users`, semicolon-separated there). */
  superUsers: readonly string[];
  allowEveryoneIfNoAclFound: boolean;
}

export interface Decision {
  allowed: boolean;
  /** What decided: `SuperUser`, `DefaultAllow`, `DefaultDeny`, or the matching ACL. */
  rule: string;
}

interface TypeIndex {
  literal: Map<string, AclBinding[]>;
  prefixed: Map<string, AclBinding[]>;
}

const IMPLIES_DESCRIBE: ReadonlySet<number> = new Set([
  AclOperation.DESCRIBE,
  AclOperation.READ,
  AclOperation.WRITE,
  AclOperation.DELETE,
  AclOperation.ALTER,
]);
const IMPLIES_DESCRIBE_CONFIGS: ReadonlySet<number> = new Set([
  AclOperation.DESCRIBE_CONFIGS,
  AclOperation.ALTER_CONFIGS,
]);

/** Whether an ACL (whose resource already matches) applies to this operation, as ALLOW or DENY. */
function operationMatches(acl: AclBinding, op: AclOperation): boolean {
  if (acl.operation === AclOperation.ALL || acl.operation === op) return true;
  if (acl.permission !== Permission.ALLOW) return false;
  if (op === AclOperation.DESCRIBE) return IMPLIES_DESCRIBE.has(acl.operation);
  if (op === AclOperation.DESCRIBE_CONFIGS) return IMPLIES_DESCRIBE_CONFIGS.has(acl.operation);
  return false;
}

export function describeAcl(acl: AclBinding): string {
  return `(principal=${acl.principal}, host=${acl.host}, op=${acl.operation}, permission=${acl.permission}, resource=${acl.resourceType}:${acl.patternType}:${acl.resourceName})`;
}

export class AclAuthorizer {
  private readonly byType = new Map<number, TypeIndex>();
  private readonly superUsers: ReadonlySet<string>;
  private count = 0;

  constructor(
    private readonly settings: AuthorizerSettings,
    acls: Iterable<AclBinding> = [],
  ) {
    this.superUsers = new Set(settings.superUsers);
    for (const acl of acls) this.add(acl);
  }

  get aclCount(): number {
    return this.count;
  }

  private index(type: number): TypeIndex {
    let idx = this.byType.get(type);
    if (!idx) {
      idx = { literal: new Map(), prefixed: new Map() };
      this.byType.set(type, idx);
    }
    return idx;
  }

  add(acl: AclBinding): void {
    const idx = this.index(acl.resourceType);
    const map = acl.patternType === PatternType.PREFIXED ? idx.prefixed : idx.literal;
    const list = map.get(acl.resourceName) ?? [];
    list.push(acl);
    map.set(acl.resourceName, list);
    this.count++;
  }

  isSuperUser(principal: KafkaPrincipal): boolean {
    return this.superUsers.has(principalString(principal));
  }

  /** Every ACL naming this resource: literal by name, the literal wildcard, prefixes of the name. */
  private *naming(type: number, name: string): Generator<AclBinding> {
    const idx = this.byType.get(type);
    if (!idx) return;
    yield* idx.literal.get(name) ?? [];
    if (name !== WILDCARD_RESOURCE) yield* idx.literal.get(WILDCARD_RESOURCE) ?? [];
    if (idx.prefixed.size === 0) return;
    for (let n = name.length; n > 0; n--) yield* idx.prefixed.get(name.slice(0, n)) ?? [];
  }

  authorize(
    principal: KafkaPrincipal,
    host: string,
    operation: AclOperation,
    resourceType: ResourceType,
    resourceName: string,
  ): Decision {
    if (this.isSuperUser(principal)) return { allowed: true, rule: 'SuperUser' };
    const who = principalString(principal);
    let named = false;
    let allow: AclBinding | null = null;
    for (const acl of this.naming(resourceType, resourceName)) {
      named = true;
      if (acl.principal !== who && acl.principal !== WILDCARD_PRINCIPAL) continue;
      if (acl.host !== WILDCARD_HOST && acl.host !== host) continue;
      if (!operationMatches(acl, operation)) continue;
      if (acl.permission === Permission.DENY)
        return { allowed: false, rule: `MatchingAcl(acl=${describeAcl(acl)})` };
      if (acl.permission === Permission.ALLOW) allow ??= acl;
    }
    if (allow) return { allowed: true, rule: `MatchingAcl(acl=${describeAcl(allow)})` };
    if (!named && this.settings.allowEveryoneIfNoAclFound) return { allowed: true, rule: 'DefaultAllow' };
    return { allowed: false, rule: 'DefaultDeny' };
  }

  /**
   * Whether the principal may do `operation` on at least one resource of the type (Kafka's
   * authorizeByResourceType, used e.g. for IdempotentWrite through WRITE on any topic, KIP-679):
   * an ALLOW not covered by a DENY of the same or a shorter prefix, or by a wildcard DENY.
   */
  authorizeByResourceType(
    principal: KafkaPrincipal,
    host: string,
    operation: AclOperation,
    resourceType: ResourceType,
  ): boolean {
    // As Kafka does: a made-up resource name first, which super users and
    // allow.everyone.if.no.acl.found (with no ACL naming it) pass whatever the DENY ACLs say.
    if (this.authorize(principal, host, operation, resourceType, 'hardcode').allowed) return true;
    const idx = this.byType.get(resourceType);
    if (!idx) return false;
    const who = principalString(principal);
    const applies = (acl: AclBinding) =>
      (acl.principal === who || acl.principal === WILDCARD_PRINCIPAL) &&
      (acl.host === WILDCARD_HOST || acl.host === host) &&
      (acl.operation === operation || acl.operation === AclOperation.ALL);
    const denyLiteral = new Set<string>();
    const denyPrefixed = new Set<string>();
    const allowLiteral: string[] = [];
    const allowPrefixed: string[] = [];
    for (const [map, literal] of [
      [idx.literal, true],
      [idx.prefixed, false],
    ] as const) {
      for (const [name, list] of map) {
        for (const acl of list) {
          if (!applies(acl)) continue;
          if (acl.permission === Permission.DENY) {
            if (literal && name === WILDCARD_RESOURCE) return false;
            (literal ? denyLiteral : denyPrefixed).add(name);
          } else if (acl.permission === Permission.ALLOW) {
            (literal ? allowLiteral : allowPrefixed).push(name);
          }
        }
      }
    }
    if (allowLiteral.includes(WILDCARD_RESOURCE)) return true;
    const deniedByPrefix = (name: string) => {
      for (let n = 1; n <= name.length; n++) if (denyPrefixed.has(name.slice(0, n))) return true;
      return false;
    };
    if (allowLiteral.some((n) => !denyLiteral.has(n) && !deniedByPrefix(n))) return true;
    return allowPrefixed.some((n) => !deniedByPrefix(n));
  }

  /** The ACLs a DescribeAcls/DeleteAcls filter selects. */
  list(filter: AclFilter): AclBinding[] {
    const out: AclBinding[] = [];
    for (const idx of this.byType.values())
      for (const map of [idx.literal, idx.prefixed])
        for (const list of map.values())
          for (const acl of list) if (filterMatches(filter, acl)) out.push(acl);
    return out;
  }
}

/** Kafka's AclBindingFilter.matches. */
export function filterMatches(f: AclFilter, acl: AclBinding): boolean {
  if (f.resourceType !== ResourceType.ANY && f.resourceType !== acl.resourceType) return false;
  if (!patternMatches(f, acl)) return false;
  if (f.principal !== null && f.principal !== acl.principal) return false;
  if (f.host !== null && f.host !== acl.host) return false;
  if (f.operation !== AclOperation.ANY && f.operation !== acl.operation) return false;
  if (f.permission !== Permission.ANY && f.permission !== acl.permission) return false;
  return true;
}

function patternMatches(f: AclFilter, acl: AclBinding): boolean {
  if (f.patternType === PatternType.MATCH) {
    if (f.resourceName === null) return true;
    if (acl.patternType === PatternType.LITERAL)
      return acl.resourceName === f.resourceName || acl.resourceName === WILDCARD_RESOURCE;
    return acl.patternType === PatternType.PREFIXED && f.resourceName.startsWith(acl.resourceName);
  }
  if (f.patternType !== PatternType.ANY && f.patternType !== acl.patternType) return false;
  return f.resourceName === null || f.resourceName === acl.resourceName;
}

/** Whether a filter may be used for DeleteAcls/DescribeAcls (no UNKNOWN fields). */
export function filterProblem(f: AclFilter): string | null {
  if (f.resourceType === ResourceType.UNKNOWN) return 'Resource type is UNKNOWN';
  if (f.patternType === PatternType.UNKNOWN) return 'Pattern type is UNKNOWN';
  if (f.operation === AclOperation.UNKNOWN) return 'Operation is UNKNOWN';
  if (f.permission === Permission.UNKNOWN) return 'Permission type is UNKNOWN';
  return null;
}

/** Why a binding may not be created (CreateAcls), or null. */
export function bindingProblem(b: AclBinding): string | null {
  if (b.resourceType === ResourceType.ANY || b.resourceType === ResourceType.UNKNOWN)
    return 'Invalid resource type';
  if (b.patternType !== PatternType.LITERAL && b.patternType !== PatternType.PREFIXED)
    return 'Invalid pattern type';
  if (b.operation === AclOperation.ANY || b.operation === AclOperation.UNKNOWN) return 'Invalid operation';
  if (b.permission !== Permission.ALLOW && b.permission !== Permission.DENY) return 'Invalid permission type';
  if (b.resourceName === '') return 'Resource name must not be empty';
  if (b.resourceType === ResourceType.CLUSTER && b.resourceName !== 'kafka-cluster')
    return 'The only valid name for the CLUSTER resource is kafka-cluster';
  if (!/^[^:]+:.+$/.test(b.principal)) return `Could not parse principal from \`${b.principal}\``;
  if (b.patternType === PatternType.PREFIXED && b.resourceName === WILDCARD_RESOURCE)
    return 'Prefixed resource name must not be *';
  return null;
}
