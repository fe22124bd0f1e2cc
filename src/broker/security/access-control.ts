// Authorization as the broker applies it: Kafka's StandardAuthorizer (authorizer.class.name) over the
// ACLs of the current metadata image, super.users and allow.everyone.if.no.acl.found; without an
// authorizer everything is allowed, as in Kafka. Every denial is logged on the `authorizer` logger in
// Kafka's words (kafka.authorizer.logger), at info; grants at debug.
import type { MetadataImage } from '../../metadata/image.js';
import { AclAuthorizer, type Decision } from '../../security/acl/authorizer.js';
import {
  type AclBinding,
  AclOperation,
  nameOf,
  PatternType,
  ResourceType,
} from '../../security/acl/types.js';
import { type KafkaPrincipal, principalString } from '../../security/principal.js';
import type { Logger } from '../logger.js';

export const STANDARD_AUTHORIZER = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer';
/** The ZooKeeper-era name, accepted for the same authorizer (server.properties written for 3.x). */
export const LEGACY_AUTHORIZER = 'kafka.security.authorizer.AclAuthorizer';

export interface AuthorizerConfig {
  /** authorizer.class.name ('' for none). */
  className: string;
  /** super.users, semicolon-separated principals. */
  superUsers: string | null;
  allowEveryoneIfNoAclFound: boolean;
}

/** The authorizer named by the config, or a one-line reason it cannot be used. */
export function checkAuthorizerConfig(c: AuthorizerConfig): string | null {
  if (c.className === '' || c.className === STANDARD_AUTHORIZER || c.className === LEGACY_AUTHORIZER)
    return null;
  return `authorizer.class.name: ${c.className} is not available (Samsa has ${STANDARD_AUTHORIZER}; plugins are never loaded)`;
}

/** Who asks, from where, in which request (for the authorizer's log line). */
export interface Requester {
  principal: KafkaPrincipal;
  host: string;
  requestName: string;
}

const CAMEL: Readonly<Record<number, string>> = {
  [ResourceType.TOPIC]: 'Topic',
  [ResourceType.GROUP]: 'Group',
  [ResourceType.CLUSTER]: 'Cluster',
  [ResourceType.TRANSACTIONAL_ID]: 'TransactionalId',
  [ResourceType.DELEGATION_TOKEN]: 'DelegationToken',
  [ResourceType.USER]: 'User',
};

export class AccessControl {
  readonly enabled: boolean;
  private authorizer: AclAuthorizer;
  private aclsSeen: ReadonlyMap<string, AclBinding> | null = null;
  private readonly superUsers: string[];

  constructor(
    private readonly config: AuthorizerConfig,
    private readonly log: Logger,
  ) {
    this.enabled = config.className !== '';
    this.superUsers = (config.superUsers ?? '')
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean);
    this.authorizer = this.build([]);
  }

  private build(acls: Iterable<AclBinding>): AclAuthorizer {
    return new AclAuthorizer(
      { superUsers: this.superUsers, allowEveryoneIfNoAclFound: this.config.allowEveryoneIfNoAclFound },
      acls,
    );
  }

  /** Rebuilds the ACL index when the image's ACLs changed. */
  onImage(image: MetadataImage): void {
    if (image.security.acls === this.aclsSeen) return;
    this.aclsSeen = image.security.acls;
    this.authorizer = this.build(image.security.acls.values());
  }

  get aclCount(): number {
    return this.authorizer.aclCount;
  }

  /** The ACLs a DescribeAcls/DeleteAcls filter selects, with their ids. */
  get acls(): ReadonlyMap<string, AclBinding> {
    return this.aclsSeen ?? new Map();
  }

  authorize(
    who: Requester,
    operation: AclOperation,
    resourceType: ResourceType,
    resourceName: string,
    logIfDenied = true,
    refCount = 1,
  ): boolean {
    if (!this.enabled) return true;
    const decision = this.authorizer.authorize(
      who.principal,
      who.host,
      operation,
      resourceType,
      resourceName,
    );
    this.logDecision(who, operation, resourceType, resourceName, decision, logIfDenied, refCount);
    return decision.allowed;
  }

  /** Whether the principal may do `operation` on some resource of the type (KIP-679's IdempotentWrite). */
  authorizeByResourceType(who: Requester, operation: AclOperation, resourceType: ResourceType): boolean {
    if (!this.enabled) return true;
    const allowed = this.authorizer.authorizeByResourceType(who.principal, who.host, operation, resourceType);
    if (!allowed)
      this.log.info(
        `Principal = ${principalString(who.principal)} is Denied operation = ${nameOf(AclOperation, operation)} from host = ${who.host} on any resource of type ${CAMEL[resourceType]} for request = ${who.requestName}`,
      );
    return allowed;
  }

  private logDecision(
    who: Requester,
    operation: AclOperation,
    resourceType: ResourceType,
    resourceName: string,
    decision: Decision,
    logIfDenied: boolean,
    refCount: number,
  ): void {
    if (decision.allowed ? !this.log.enabled('debug') : !logIfDenied) return;
    const line = `Principal = ${principalString(who.principal)} is ${decision.allowed ? 'Allowed' : 'Denied'} operation = ${nameOf(AclOperation, operation)} from host = ${who.host} on resource = ${CAMEL[resourceType]}:${nameOf(PatternType, PatternType.LITERAL)}:${resourceName} for request = ${who.requestName} with resourceRefCount = ${refCount} based on rule ${decision.rule}`;
    if (decision.allowed) this.log.debug(line);
    else this.log.info(line);
  }
}
