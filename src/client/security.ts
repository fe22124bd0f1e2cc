// The client's side of Kafka's security: `security.protocol` (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL),
// TLS from the Java client's ssl.* keys (PEM or PKCS12 stores; JKS refused with the keytool line) or a
// Node `ssl` object, and SASL from `sasl.mechanism` with `sasl.username`/`sasl.password` or a
// `sasl.jaas.config` line (PlainLoginModule, ScramLoginModule, OAuthBearerLoginModule's unsecured
// development tokens). The client's side of the SASL mechanisms is here (PLAIN, OAUTHBEARER), and for
// SCRAM-SHA-256/512 the pure RFC 5802 client of security/sasl/scram-client.ts (the broker logs in to
// its peers through the same one), which checks the server's nonce and signature.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { ScramClientExchange, type ScramMechanism } from '../security/sasl/scram-client.js';
import { clientError } from './errors.js';

export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
export type ClientSaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER';

export interface SaslCredentials {
  mechanism: ClientSaslMechanism;
  username: string;
  password: string;
  /** OAUTHBEARER: the token to present (a function is asked before each authentication). */
  token?: string | (() => string | Promise<string>);
}

export interface ClientSecurity {
  protocol: SecurityProtocol;
  /** Node TLS options (SSL, SASL_SSL). */
  tls: TlsOptions | null;
  sasl: SaslCredentials | null;
}

export const PLAINTEXT: ClientSecurity = { protocol: 'PLAINTEXT', tls: null, sasl: null };

/** The security keys a client takes, with their values as given (already type-checked by config.ts). */
export interface SecurityKeys {
  securityProtocol: string;
  ssl: unknown;
  sslTruststoreLocation: string;
  sslTruststoreType: string;
  sslTruststorePassword: string;
  sslTruststoreCertificates: string;
  sslKeystoreLocation: string;
  sslKeystoreType: string;
  sslKeystorePassword: string;
  sslKeyPassword: string;
  sslKeystoreCertificateChain: string;
  sslKeystoreKey: string;
  sslEndpointIdentificationAlgorithm: string;
  saslMechanism: string;
  saslUsername: string;
  saslPassword: string;
  saslJaasConfig: string;
  saslOauthbearerToken: unknown;
}

const invalid = (key: string, message: string) => clientError('INVALID_CONFIG', `${key}: ${message}`);

export function resolveSecurity(k: SecurityKeys): ClientSecurity {
  const protocol = k.securityProtocol.toUpperCase() as SecurityProtocol;
  const tls = protocol === 'SSL' || protocol === 'SASL_SSL' ? tlsOptions(k) : null;
  const sasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL' ? saslCredentials(k) : null;
  return { protocol, tls, sasl };
}

function readStore(key: string, path: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw invalid(
      key,
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  if (bytes.length >= 4 && (bytes.readUInt32BE(0) === 0xfeedfeed || bytes.readUInt32BE(0) === 0xcececece))
    throw invalid(
      key,
      `${path} is a JKS store, which this client does not read; convert it with: keytool -importkeystore -srckeystore ${path} -srcstoretype JKS -destkeystore ${path.replace(/\.jks$/i, '')}.p12 -deststoretype PKCS12`,
    );
  return bytes;
}

const isPem = (bytes: Buffer) => /^\s*-----BEGIN /.test(bytes.subarray(0, 64).toString('latin1'));

function tlsOptions(k: SecurityKeys): TlsOptions {
  const options: TlsOptions = {};
  if (k.sslTruststoreCertificates) options.ca = k.sslTruststoreCertificates;
  else if (k.sslTruststoreLocation) {
    const bytes = readStore('ssl.truststore.location', k.sslTruststoreLocation);
    options.ca = isPem(bytes) ? bytes.toString('utf8') : pkcs12Certificates(bytes, k.sslTruststorePassword);
  }
  if (k.sslKeystoreCertificateChain || k.sslKeystoreKey) {
    options.cert = k.sslKeystoreCertificateChain;
    options.key = k.sslKeystoreKey;
    if (k.sslKeyPassword) options.passphrase = k.sslKeyPassword;
  } else if (k.sslKeystoreLocation) {
    const bytes = readStore('ssl.keystore.location', k.sslKeystoreLocation);
    if (isPem(bytes)) {
      options.cert = bytes.toString('utf8');
      options.key = options.cert;
    } else options.pfx = bytes;
    const passphrase = k.sslKeyPassword || k.sslKeystorePassword;
    if (passphrase) options.passphrase = passphrase;
  }
  // ssl.endpoint.identification.algorithm="" turns the host name check off, as in the Java client.
  if (k.sslEndpointIdentificationAlgorithm === '') options.checkServerIdentity = () => undefined;
  if (k.ssl !== undefined && k.ssl !== null && typeof k.ssl === 'object') Object.assign(options, k.ssl);
  return options;
}

/** The certificates of a PKCS12 trust store (node-forge reads what Node's `pfx` cannot: no key). */
function pkcs12Certificates(bytes: Buffer, password: string): string[] {
  const forge = createRequire(import.meta.url)('node-forge') as typeof import('node-forge');
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(bytes.toString('binary')));
    const p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
    const bags = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [];
    return bags.flatMap((b) => (b.cert ? [forge.pki.certificateToPem(b.cert)] : []));
  } catch (err) {
    throw invalid('ssl.truststore.location', `cannot read the PKCS12 store: ${(err as Error).message}`);
  }
}

const MECHANISMS: readonly ClientSaslMechanism[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'];

function saslCredentials(k: SecurityKeys): SaslCredentials {
  const mechanism = k.saslMechanism.toUpperCase();
  if (mechanism === 'GSSAPI')
    throw invalid(
      'sasl.mechanism',
      'GSSAPI (Kerberos) is not supported; use PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER',
    );
  if (!(MECHANISMS as readonly string[]).includes(mechanism))
    throw invalid('sasl.mechanism', `${k.saslMechanism} is not one of ${MECHANISMS.join(', ')}`);
  const jaas = k.saslJaasConfig ? jaasOptions(k.saslJaasConfig) : new Map<string, string>();
  const username = k.saslUsername || jaas.get('username') || '';
  const password = k.saslPassword || jaas.get('password') || '';
  const m = mechanism as ClientSaslMechanism;
  if (m === 'OAUTHBEARER') {
    const token = k.saslOauthbearerToken as SaslCredentials['token'];
    const subject = jaas.get('unsecuredLoginStringClaim_sub');
    if (token === undefined && !subject)
      throw invalid(
        'sasl.oauthbearer.token',
        'OAUTHBEARER needs a token (or an unsecuredLoginStringClaim_sub in sasl.jaas.config)',
      );
    return { mechanism: m, username, password, token: token ?? unsecuredToken(subject as string) };
  }
  if (!username || !password)
    throw invalid(
      'sasl.username',
      `${m} needs sasl.username and sasl.password (or a sasl.jaas.config with username and password)`,
    );
  return { mechanism: m, username, password };
}

/** The options of a JAAS line: `Module required key="value" key=value;` (the module is never loaded). */
export function jaasOptions(text: string): Map<string, string> {
  const options = new Map<string, string>();
  const body = /^\s*\S+\s+(?:required|requisite|sufficient|optional)\b([\s\S]*?);?\s*$/.exec(text);
  if (!body) throw invalid('sasl.jaas.config', 'expected "<LoginModule> required key=value ...;"');
  const pair = /\s*([^\s=;]+)\s*=\s*(?:"((?:\\.|[^"\\])*)"|([^\s;"]+))/gy;
  const rest = body[1];
  let m: RegExpExecArray | null;
  let last = 0;
  for (;;) {
    m = pair.exec(rest);
    if (!m) break;
    options.set(m[1], m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]);
    last = pair.lastIndex;
  }
  if (rest.slice(last).trim() !== '')
    throw invalid('sasl.jaas.config', `cannot read "${rest.slice(last).trim()}"`);
  return options;
}

/** Kafka's unsecured development token: `alg: none`, the subject, an hour of validity. */
function unsecuredToken(subject: string): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${enc({ alg: 'none' })}.${enc({ sub: subject, iat: now, exp: now + 3600 })}.`;
}

/** One client-side SASL exchange: the first token, then an answer to each server token. */
export interface SaslClient {
  first(): Buffer;
  /** The next token to send, or null when the exchange is complete; throws when the server is not trusted. */
  next(serverToken: Buffer): Buffer | null;
}

export async function saslClient(c: SaslCredentials): Promise<SaslClient> {
  switch (c.mechanism) {
    case 'PLAIN':
      return {
        first: () => Buffer.from(`\u0000${c.username}\u0000${c.password}`, 'utf8'),
        next: () => null,
      };
    case 'OAUTHBEARER': {
      const token = typeof c.token === 'function' ? await c.token() : (c.token ?? '');
      return {
        first: () => Buffer.from(`n,,\u0001auth=Bearer ${token}\u0001\u0001`, 'utf8'),
        // An error challenge is acknowledged with a lone \x01; the server then fails the exchange.
        next: (server) => (server.length > 0 ? Buffer.from('\u0001') : null),
      };
    }
    default:
      return scramClient(c.mechanism, c.username, c.password);
  }
}

/** SCRAM's arithmetic is security/sasl/scram-client.ts's; here its failures become the client's errors. */
function scramClient(mechanism: ScramMechanism, username: string, password: string): SaslClient {
  const exchange = new ScramClientExchange(mechanism, username, password);
  return {
    first: () => exchange.first(),
    next: (server) => {
      const step = exchange.next(server);
      if (!step.ok) throw clientError('SASL_AUTHENTICATION_FAILED', `${mechanism}: ${step.error}`);
      return step.message;
    },
  };
}
