// The security page's data, through the admin client like everything else: ACLs (DescribeAcls,
// CreateAcls, DeleteAcls), SCRAM users (Describe/AlterUserScramCredentials) and client quotas
// (Describe/AlterClientQuotas). A part the cluster will not show (no authorizer, no permission, an
// older broker) comes back empty with the reason, so the rest of the page still works.
import type { AclBinding, AclOperationName, AclResourceType, QuotaEntity, ScramMechanismName } from '../../client/admin.js';
import type { AclRequest, QuotaRequest, SecurityOverview, UserRequest } from '../api-types.js';
import type { ConsoleContext } from '../context.js';
import { BadRequest } from './errors.js';

const reason = (e: unknown) => (e as Error).message.replace(/ \(broker [^)]*\)$/, '');

export async function securityOverview(ctx: ConsoleContext): Promise<SecurityOverview> {
  const [acls, users, quotas] = await Promise.allSettled([
    ctx.admin.describeAcls({}),
    ctx.admin.describeUserScramCredentials(),
    ctx.admin.describeClientQuotas({}),
  ]);
  return {
    acls: acls.status === 'fulfilled' ? acls.value.map((a) => ({ ...a })) : null,
    aclsUnavailable: acls.status === 'rejected' ? reason(acls.reason) : null,
    users:
      users.status === 'fulfilled'
        ? users.value.map((u) => ({ user: u.user, mechanisms: u.credentials.map((c) => `${c.mechanism} (${c.iterations})`) }))
        : null,
    usersUnavailable: users.status === 'rejected' ? reason(users.reason) : null,
    quotas:
      quotas.status === 'fulfilled'
        ? quotas.value.map((q) => ({
            // A part absent from the entity stays absent; null is the <default> entity.
            ...('user' in q.entity ? { user: q.entity.user ?? null } : {}),
            ...('clientId' in q.entity ? { clientId: q.entity.clientId ?? null } : {}),
            quotas: q.quotas,
          }))
        : null,
    quotasUnavailable: quotas.status === 'rejected' ? reason(quotas.reason) : null,
  };
}

const RESOURCES = ['TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID'];
const OPERATIONS = ['ALL', 'READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'CLUSTER_ACTION', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE'];

function bindingOf(r: AclRequest): AclBinding {
  if (!/^[^:]+:.+$/.test(r.principal ?? '')) throw new BadRequest('the principal is Type:name, e.g. User:alice');
  if (!RESOURCES.includes(r.resourceType)) throw new BadRequest(`resource type ${r.resourceType} is not one of ${RESOURCES.join(', ')}`);
  if (!OPERATIONS.includes(r.operation)) throw new BadRequest(`operation ${r.operation} is not one of ${OPERATIONS.join(', ')}`);
  if (r.permission !== 'ALLOW' && r.permission !== 'DENY') throw new BadRequest('permission is ALLOW or DENY');
  if (r.patternType !== 'LITERAL' && r.patternType !== 'PREFIXED') throw new BadRequest('pattern is LITERAL or PREFIXED');
  const resourceName = r.resourceType === 'CLUSTER' ? 'kafka-cluster' : r.resourceName;
  if (!resourceName) throw new BadRequest('name the resource');
  return {
    principal: r.principal,
    permission: r.permission,
    operation: r.operation as AclOperationName,
    resourceType: r.resourceType as AclResourceType,
    resourceName,
    patternType: r.patternType,
    host: r.host || '*',
  };
}

export async function addAcl(ctx: ConsoleContext, r: AclRequest): Promise<void> {
  await ctx.admin.createAcls([bindingOf(r)]);
}

export async function removeAcl(ctx: ConsoleContext, r: AclRequest): Promise<{ removed: number }> {
  const [removed] = await ctx.admin.deleteAcls([bindingOf(r)]);
  return { removed: removed.length };
}

export async function setUser(ctx: ConsoleContext, r: UserRequest): Promise<void> {
  if (!r.user) throw new BadRequest('name the user');
  if (!r.password) throw new BadRequest('give a password');
  if (r.mechanism !== 'SCRAM-SHA-256' && r.mechanism !== 'SCRAM-SHA-512') throw new BadRequest('mechanism is SCRAM-SHA-256 or SCRAM-SHA-512');
  await ctx.admin.alterUserScramCredentials([
    { kind: 'upsert', user: r.user, mechanism: r.mechanism, password: r.password, iterations: r.iterations },
  ]);
}

export async function deleteUser(ctx: ConsoleContext, user: string): Promise<void> {
  const [known] = await ctx.admin.describeUserScramCredentials([user]);
  await ctx.admin.alterUserScramCredentials(
    known.credentials.map((c) => ({ kind: 'delete' as const, user, mechanism: c.mechanism as ScramMechanismName })),
  );
}

export async function setQuotas(ctx: ConsoleContext, r: QuotaRequest): Promise<void> {
  const entity: QuotaEntity = {};
  if (r.user !== undefined) entity.user = r.user === '' ? null : r.user;
  if (r.clientId !== undefined) entity.clientId = r.clientId === '' ? null : r.clientId;
  if (entity.user === undefined && entity.clientId === undefined) throw new BadRequest('name a user, a client id, or both');
  await ctx.admin.alterClientQuotas([{ entity, quotas: r.quotas ?? {} }]);
}
