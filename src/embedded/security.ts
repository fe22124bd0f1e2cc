// Security for the embedded broker: extra listeners (SSL, SASL_PLAINTEXT, SASL_SSL) with PEM material
// given inline, users (SCRAM-SHA-256/512 credentials stored as the metadata log stores them, and PLAIN
// users of the SASL listeners), ACLs, super users. All of it turns into broker configs and metadata
// records, the same ones kafka-configs.sh and kafka-acls.sh would leave.
import { randomTopicId } from '../broker/controller/quorum-controller.js';
import type { BrokerNode } from '../broker/node.js';
import { record } from '../metadata/records.js';
import { createAcls } from '../metadata/security-control.js';
import {
  type AclBinding,
  AclOperation,
  ResourceType as AclResource,
  codeOf,
  PatternType,
  Permission,
} from '../security/acl/types.js';
import { createCredential, SCRAM_MECHANISM_TYPES, type ScramMechanism } from '../security/sasl/scram.js';
import type { ConfigValue } from './types.js';

export interface EmbeddedListener {
  /** Listener name (default: the protocol). */
  name?: string;
  protocol: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
  /** Default 0: a free port. */
  port?: number;
  /** SSL and SASL_SSL: the broker's certificate chain and key (PEM), and the CAs it trusts for clients. */
  tls?: { cert: string; key: string; ca?: string; clientAuth?: 'none' | 'requested' | 'required' };
  /** SASL listeners: default PLAIN, SCRAM-SHA-256, SCRAM-SHA-512. */
  mechanisms?: readonly ('PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER')[];
}

/** An ACL in kafka-acls words: `{ principal: 'User:alice', operation: 'Write', topic: 'orders' }`. */
export interface EmbeddedAcl {
  principal: string;
  operation: string;
  permission?: 'Allow' | 'Deny';
  host?: string;
  topic?: string;
  group?: string;
  cluster?: true;
  transactionalId?: string;
  /** Default 'literal'. */
  patternType?: 'literal' | 'prefixed';
}

export interface SecurityOptions {
  listeners?: readonly EmbeddedListener[];
  /** Users and passwords: SCRAM-SHA-256 and -512 credentials, and PLAIN users on SASL listeners. */
  users?: Readonly<Record<string, string>>;
  /** ACLs to create at start; giving any (or `authorizer: true`) turns the StandardAuthorizer on. */
  acls?: readonly EmbeddedAcl[];
  authorizer?: boolean;
  /** Principals allowed everything (`User:admin`). */
  superUsers?: readonly string[];
}

/** Broker configs for the listeners, users and authorizer, over the embedded PLAINTEXT listener. */
export function securityConfig(
  o: SecurityOptions,
  host: string,
  plaintextPort: number,
): Record<string, ConfigValue> {
  const listeners = [`PLAINTEXT://${host}:${plaintextPort}`];
  const map = ['PLAINTEXT:PLAINTEXT'];
  const out: Record<string, ConfigValue> = {};
  const plain = Object.entries(o.users ?? {})
    .map(([u, p]) => `user_${u}=${JSON.stringify(p)}`)
    .join(' ');
  for (const l of o.listeners ?? []) {
    const name = (l.name ?? l.protocol).toUpperCase();
    if (name === 'PLAINTEXT') continue;
    const prefix = `listener.name.${name.toLowerCase()}.`;
    listeners.push(`${name}://${host}:${l.port ?? 0}`);
    map.push(`${name}:${l.protocol}`);
    if (l.protocol === 'SSL' || l.protocol === 'SASL_SSL') {
      if (!l.tls) throw new TypeError(`listener ${name}: an ${l.protocol} listener needs tls: { cert, key }`);
      out[`${prefix}ssl.keystore.type`] = 'PEM';
      out[`${prefix}ssl.keystore.certificate.chain`] = l.tls.cert;
      out[`${prefix}ssl.keystore.key`] = l.tls.key;
      if (l.tls.ca) {
        out[`${prefix}ssl.truststore.type`] = 'PEM';
        out[`${prefix}ssl.truststore.certificates`] = l.tls.ca;
      }
      if (l.tls.clientAuth) out[`${prefix}ssl.client.auth`] = l.tls.clientAuth;
    }
    if (l.protocol === 'SASL_PLAINTEXT' || l.protocol === 'SASL_SSL') {
      const mechanisms = l.mechanisms ?? ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];
      out[`${prefix}sasl.enabled.mechanisms`] = mechanisms.join(',');
      if (mechanisms.includes('PLAIN'))
        out[`${prefix}plain.sasl.jaas.config`] =
          `org.apache.kafka.common.security.plain.PlainLoginModule required ${plain};`;
    }
  }
  out.listeners = listeners.join(',');
  out['listener.security.protocol.map'] = map.join(',');
  if (o.authorizer || (o.acls && o.acls.length > 0))
    out['authorizer.class.name'] = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer';
  if (o.superUsers && o.superUsers.length > 0) out['super.users'] = o.superUsers.join(';');
  return out;
}

function binding(a: EmbeddedAcl): AclBinding {
  const resource: [number, string] | null =
    a.topic !== undefined
      ? [AclResource.TOPIC, a.topic]
      : a.group !== undefined
        ? [AclResource.GROUP, a.group]
        : a.transactionalId !== undefined
          ? [AclResource.TRANSACTIONAL_ID, a.transactionalId]
          : a.cluster
            ? [AclResource.CLUSTER, 'kafka-cluster']
            : null;
  if (!resource)
    throw new TypeError(`ACL ${JSON.stringify(a)}: name a topic, group, transactionalId or cluster`);
  const operation = codeOf(AclOperation, a.operation.replace(/([a-z])([A-Z])/g, '$1_$2'));
  if (operation === null) throw new TypeError(`ACL ${JSON.stringify(a)}: unknown operation ${a.operation}`);
  return {
    resourceType: resource[0] as AclBinding['resourceType'],
    resourceName: resource[1],
    patternType: a.patternType === 'prefixed' ? PatternType.PREFIXED : PatternType.LITERAL,
    principal: a.principal,
    host: a.host ?? '*',
    operation,
    permission: a.permission === 'Deny' ? Permission.DENY : Permission.ALLOW,
  };
}

/** Stores the users' SCRAM credentials and the ACLs in the broker's metadata. */
export async function applySecurity(node: BrokerNode, o: SecurityOptions): Promise<void> {
  const users = Object.entries(o.users ?? {});
  const acls = (o.acls ?? []).map(binding);
  if (users.length === 0 && acls.length === 0) return;
  await node.controller.apply((image) => {
    const records = users.flatMap(([name, password]) =>
      (['SCRAM-SHA-256', 'SCRAM-SHA-512'] as ScramMechanism[]).map((m) => {
        const c = createCredential(m, password);
        return record('UserScramCredential', {
          name,
          mechanism: SCRAM_MECHANISM_TYPES[m],
          salt: c.salt,
          storedKey: c.storedKey,
          serverKey: c.serverKey,
          iterations: c.iterations,
        });
      }),
    );
    const created = createAcls(image, acls, randomTopicId);
    const bad = created.results.find((r) => r.errorCode !== 0);
    if (bad) throw new TypeError(`startBroker: acls: ${bad.errorMessage}`);
    return { records: [...records, ...created.records], result: undefined };
  });
}
