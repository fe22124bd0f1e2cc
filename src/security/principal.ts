// Kafka principals: a type and a name, written `User:alice`. Every authenticated connection has one;
// an unauthenticated (PLAINTEXT) connection is `User:ANONYMOUS`, as in Kafka.

export interface KafkaPrincipal {
  readonly type: string;
  readonly name: string;
}

export const ANONYMOUS: KafkaPrincipal = { type: 'User', name: 'ANONYMOUS' };

/** The wildcard principal of ACLs: matches every principal of type User. */
export const WILDCARD_PRINCIPAL = 'User:*';

export function principalString(p: KafkaPrincipal): string {
  return `${p.type}:${p.name}`;
}

/** Parses `Type:name`; null for a string without a type (Kafka refuses those in ACLs and super.users). */
export function parsePrincipal(text: string): KafkaPrincipal | null {
  const i = text.indexOf(':');
  if (i <= 0) return null;
  return { type: text.slice(0, i), name: text.slice(i + 1) };
}

export function user(name: string): KafkaPrincipal {
  return { type: 'User', name };
}
