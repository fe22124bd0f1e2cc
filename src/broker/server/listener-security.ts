// What each listener asks of its clients, from the broker config: TLS for SSL and SASL_SSL (tls-context.ts),
// SASL for SASL_PLAINTEXT and SASL_SSL: sasl.enabled.mechanisms, PLAIN's users from the listener's JAAS
// config (listener.name.<l>.plain.sasl.jaas.config), OAUTHBEARER's validator (Kafka's unsecured tokens,
// or signed ones against sasl.oauthbearer.jwks.endpoint.url when the listener names Kafka's validator
// callback handler), connections.max.reauth.ms. SCRAM needs no config: credentials live in the metadata.

import type { JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { BrokerConfig } from '../../config/index.js';
import { type JaasModule, parseJaasConfig, plainUsers } from '../../security/jaas.js';
import { SASL_MECHANISMS } from '../../security/sasl/mechanism.js';
import { jwksValidator, type TokenValidator, unsecuredValidator } from '../../security/sasl/oauthbearer.js';
import { tableVerifier } from '../../security/sasl/plain.js';
import type { SaslListenerSettings } from './sasl-session.js';
import { listenerValue, type TlsSettings, tlsSettings } from './tls-context.js';

export interface ListenerSecurity {
  name: string;
  securityProtocol: string;
  tls: TlsSettings | null;
  sasl: SaslListenerSettings | null;
}

export type SecurityResult = { ok: true; value: ListenerSecurity } | { ok: false; error: string };

const VALIDATOR_HANDLERS = new Set([
  'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler',
  'org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerValidatorCallbackHandler',
]);

function stringValue(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  return Array.isArray(v) ? v.join(',') : String(v);
}

/** A mechanism's key: listener.name.<l>.<mechanism>.<key>, then listener.name.<l>.<key>, then <key>. */
function mechanismValue(config: BrokerConfig, listener: string, mechanism: string, key: string): unknown {
  const own = config.get(`listener.name.${listener.toLowerCase()}.${mechanism.toLowerCase()}.${key}`);
  if (own && own.value !== null && own.value !== undefined) return own.value;
  return listenerValue(config, listener, key);
}

export function jaasModule(
  config: BrokerConfig,
  listener: string,
  mechanism: string,
): JaasModule | string | null {
  const text = stringValue(mechanismValue(config, listener, mechanism, 'sasl.jaas.config'));
  if (!text) return null;
  const parsed = parseJaasConfig(text);
  if (!parsed.ok) return `listener ${listener} ${mechanism}: ${parsed.error}`;
  return parsed.modules[0];
}

function oauthValidator(
  config: BrokerConfig,
  listener: string,
  module: JaasModule | null,
): TokenValidator | string {
  const where = `listener ${listener} OAUTHBEARER`;
  const handler = stringValue(
    mechanismValue(config, listener, 'OAUTHBEARER', 'sasl.server.callback.handler.class'),
  );
  const skewSeconds = Number(
    mechanismValue(config, listener, 'OAUTHBEARER', 'sasl.oauthbearer.clock.skew.seconds') ?? 30,
  );
  if (handler && VALIDATOR_HANDLERS.has(handler)) {
    const url = stringValue(
      mechanismValue(config, listener, 'OAUTHBEARER', 'sasl.oauthbearer.jwks.endpoint.url'),
    );
    if (!url) return `${where}: ${handler} needs sasl.oauthbearer.jwks.endpoint.url`;
    const keys = jwksFrom(url);
    if (typeof keys === 'string') return `${where}: ${keys}`;
    const audience = mechanismValue(config, listener, 'OAUTHBEARER', 'sasl.oauthbearer.expected.audience');
    return jwksValidator({
      keys,
      issuer:
        stringValue(mechanismValue(config, listener, 'OAUTHBEARER', 'sasl.oauthbearer.expected.issuer')) ??
        undefined,
      audience: Array.isArray(audience)
        ? audience.map(String)
        : audience
          ? String(audience).split(',')
          : undefined,
      subClaim:
        stringValue(mechanismValue(config, listener, 'OAUTHBEARER', 'sasl.oauthbearer.sub.claim.name')) ??
        'sub',
      scopeClaim:
        stringValue(mechanismValue(config, listener, 'OAUTHBEARER', 'sasl.oauthbearer.scope.claim.name')) ??
        'scope',
      clockSkewMs: skewSeconds * 1000,
    });
  }
  if (handler)
    return `${where}: sasl.server.callback.handler.class ${handler} is not one Samsa provides (plugins are never loaded)`;
  // Kafka's default: unsecured tokens, configured through the login module's options.
  const option = (name: string) => module?.options.get(name);
  return unsecuredValidator({
    principalClaim: option('unsecuredValidatorPrincipalClaimName'),
    scopeClaim: option('unsecuredValidatorScopeClaimName'),
    requiredScope: option('unsecuredValidatorRequiredScope')
      ?.split(/[\s,]+/)
      .filter(Boolean),
    clockSkewMs: option('unsecuredValidatorAllowableClockSkewMs')
      ? Number(option('unsecuredValidatorAllowableClockSkewMs'))
      : 0,
  });
}

/**
 * The keys of a JWKS given as a file (a path or a file: URL). Keys from an HTTPS endpoint are not
 * fetched: a broker reaching out to a URL from its config is the hole CVE-2025-27817 was about, so
 * Samsa asks for the document on disk (fetched by whatever the operator trusts).
 */
function jwksFrom(url: string): JsonWebKey[] | string {
  if (/^https?:/i.test(url))
    return `sasl.oauthbearer.jwks.endpoint.url ${url}: Samsa reads a JWKS from a file (file:/path); download the document and point the key at it`;
  const path = url.startsWith('file:') ? new URL(url).pathname : url;
  try {
    const doc = JSON.parse(readFileSync(path, 'utf8')) as { keys?: JsonWebKey[] };
    if (!Array.isArray(doc.keys)) return `${path} is not a JWKS document (no "keys" array)`;
    return doc.keys;
  } catch (err) {
    return `cannot read the JWKS ${path}: ${(err as Error).message}`;
  }
}

function saslSettings(config: BrokerConfig, listener: string): SaslListenerSettings | string {
  const enabled = listenerValue(config, listener, 'sasl.enabled.mechanisms');
  const mechanisms = (Array.isArray(enabled) ? enabled.map(String) : String(enabled ?? '').split(','))
    .map((m) => m.trim())
    .filter(Boolean);
  const unknown = mechanisms.filter((m) => !(SASL_MECHANISMS as readonly string[]).includes(m));
  if (unknown.length > 0)
    return `listener ${listener}: sasl.enabled.mechanisms: ${unknown.join(', ')} not supported (Samsa has ${SASL_MECHANISMS.join(', ')})`;
  if (mechanisms.length === 0) return `listener ${listener}: sasl.enabled.mechanisms is empty`;
  let plain: SaslListenerSettings['plain'] = null;
  if (mechanisms.includes('PLAIN')) {
    const module = jaasModule(config, listener, 'PLAIN');
    if (typeof module === 'string') return module;
    if (!module)
      return `listener ${listener}: PLAIN needs its users in listener.name.${listener.toLowerCase()}.plain.sasl.jaas.config (org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="..." ;)`;
    plain = tableVerifier(plainUsers(module));
  }
  let oauth: TokenValidator | null = null;
  if (mechanisms.includes('OAUTHBEARER')) {
    const module = jaasModule(config, listener, 'OAUTHBEARER');
    if (typeof module === 'string') return module;
    const validator = oauthValidator(config, listener, module);
    if (typeof validator === 'string') return validator;
    oauth = validator;
  }
  const reauth = new Map(
    mechanisms.map((m) => [m, Number(mechanismValue(config, listener, m, 'connections.max.reauth.ms') ?? 0)]),
  );
  return { mechanisms, plain, oauth, reauthMs: (m) => reauth.get(m) ?? 0 };
}

/** The security of one listener, or the first problem with its configuration. */
export function listenerSecurity(
  config: BrokerConfig,
  name: string,
  securityProtocol: string,
): SecurityResult {
  let tls: TlsSettings | null = null;
  if (securityProtocol === 'SSL' || securityProtocol === 'SASL_SSL') {
    const built = tlsSettings(config, name, securityProtocol);
    if (!built.ok) return built;
    tls = built.value;
  }
  let sasl: SaslListenerSettings | null = null;
  if (securityProtocol === 'SASL_PLAINTEXT' || securityProtocol === 'SASL_SSL') {
    const built = saslSettings(config, name);
    if (typeof built === 'string') return { ok: false, error: built };
    sasl = built;
  }
  return { ok: true, value: { name, securityProtocol, tls, sasl } };
}
