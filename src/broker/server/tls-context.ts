// The TLS side of a listener, built from Kafka's ssl.* keys (each one may be given for a single listener
// as listener.name.<listener>.<key>): the key store (PEM, inline PEM or PKCS12; a JKS store is refused
// with the keytool line that converts it), the trust store (PEM or PKCS12), ssl.client.auth,
// ssl.enabled.protocols and ssl.cipher.suites in Kafka's (IANA) names. Problems are values: one line
// naming the listener and the key, so a broker refuses to start, or keeps its old certificates when a
// dynamic change is bad.
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createSecureContext, DEFAULT_CIPHERS, type SecureContextOptions } from 'node:tls';
import type { BrokerConfig } from '../../config/index.js';
import { type MappingRule, parseMappingRules } from '../../security/ssl-principal.js';

export type ClientAuth = 'none' | 'requested' | 'required';

export interface TlsSettings {
  /** Key, certificate chain, trusted CAs, versions and ciphers, as Node's tls takes them. */
  context: SecureContextOptions;
  clientAuth: ClientAuth;
  /** ssl.principal.mapping.rules, for the principal of a client certificate. */
  mappingRules: MappingRule[];
  /** The subject of the broker's own certificate (a reload may not change it unless allowed). */
  subject: string | null;
  /** ssl.allow.dn.changes. */
  allowDnChanges: boolean;
  /** Changes whenever anything above changes, file contents included. */
  fingerprint: string;
}

export type TlsResult = { ok: true; value: TlsSettings } | { ok: false; error: string };

/** A listener's value of a key: listener.name.<listener>.<key> first, then the key itself. */
export function listenerValue(config: BrokerConfig, listener: string, key: string): unknown {
  const own = config.get(`listener.name.${listener.toLowerCase()}.${key}`);
  if (own && own.value !== null && own.value !== undefined) return own.value;
  return config.get(key)?.value ?? null;
}

function text(config: BrokerConfig, listener: string, key: string): string | null {
  const v = listenerValue(config, listener, key);
  if (v === null || v === undefined || v === '') return null;
  return Array.isArray(v) ? v.join(',') : String(v);
}

function list(config: BrokerConfig, listener: string, key: string): string[] {
  const v = listenerValue(config, listener, key);
  if (Array.isArray(v)) return v.map(String).filter(Boolean);
  return typeof v === 'string' && v !== '' ? v.split(/\s*,\s*/).filter(Boolean) : [];
}

type StoreFormat = 'PEM' | 'PKCS12' | 'JKS' | 'JCEKS' | 'unknown';

/** What a store file holds, from its first bytes (Java reads a PKCS12 file whatever its type says). */
export function sniffStore(bytes: Buffer): StoreFormat {
  if (bytes.length >= 4 && bytes.readUInt32BE(0) === 0xfeedfeed) return 'JKS';
  if (bytes.length >= 4 && bytes.readUInt32BE(0) === 0xcececece) return 'JCEKS';
  if (/^\s*-----BEGIN /.test(bytes.subarray(0, 64).toString('latin1'))) return 'PEM';
  if (bytes[0] === 0x30) return 'PKCS12';
  return 'unknown';
}

function jksRefusal(where: string, path: string, kind: 'keystore' | 'truststore'): string {
  const p12 = `${path.replace(/\.(jks|keystore|truststore)$/i, '')}.p12`;
  return `${where}: ${path} is a JKS ${kind}, which Samsa does not read; convert it to PKCS12 with: keytool -importkeystore -srckeystore ${path} -srcstoretype JKS -destkeystore ${p12} -deststoretype PKCS12, then set ssl.${kind}.location=${p12} and ssl.${kind}.type=PKCS12`;
}

type Material = { ok: true; bytes: Buffer; format: StoreFormat } | { ok: false; error: string };

function readStore(where: string, key: string, path: string, kind: 'keystore' | 'truststore'): Material {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    return {
      ok: false,
      error: `${where}: cannot read ${key} ${path}: ${(err as NodeJS.ErrnoException).code}`,
    };
  }
  const format = sniffStore(bytes);
  if (format === 'JKS' || format === 'JCEKS') return { ok: false, error: jksRefusal(where, path, kind) };
  if (format === 'unknown') return { ok: false, error: `${where}: ${key} ${path} is neither PEM nor PKCS12` };
  return { ok: true, bytes, format };
}

interface KeyMaterial {
  options: SecureContextOptions;
  /** The certificate presented to clients (PEM), to learn its subject. */
  certPem: string | null;
  /** What the material was read from, for the fingerprint. */
  digest: string;
}

function keyStore(config: BrokerConfig, listener: string, where: string): KeyMaterial | string {
  const type = (text(config, listener, 'ssl.keystore.type') ?? 'JKS').toUpperCase();
  const chain = text(config, listener, 'ssl.keystore.certificate.chain');
  const inlineKey = text(config, listener, 'ssl.keystore.key');
  const keyPassword = text(config, listener, 'ssl.key.password');
  const storePassword = text(config, listener, 'ssl.keystore.password');
  if (chain || inlineKey) {
    if (type !== 'PEM')
      return `${where}: ssl.keystore.certificate.chain and ssl.keystore.key need ssl.keystore.type=PEM`;
    if (!chain || !inlineKey)
      return `${where}: ssl.keystore.certificate.chain and ssl.keystore.key must be given together`;
    return {
      options: { cert: chain, key: inlineKey, passphrase: keyPassword ?? undefined },
      certPem: chain,
      digest: digestOf(chain, inlineKey),
    };
  }
  const location = text(config, listener, 'ssl.keystore.location');
  if (!location)
    return `${where}: no key store: set ssl.keystore.location (or, with ssl.keystore.type=PEM, ssl.keystore.certificate.chain and ssl.keystore.key)`;
  const store = readStore(where, 'ssl.keystore.location', location, 'keystore');
  if (!store.ok) return store.error;
  if (type === 'PEM' && store.format !== 'PEM')
    return `${where}: ssl.keystore.type is PEM but ${location} is a PKCS12 file`;
  if (type !== 'PEM' && store.format === 'PEM')
    return `${where}: ${location} is a PEM file; set ssl.keystore.type=PEM`;
  if (store.format === 'PEM') {
    const pem = store.bytes.toString('utf8');
    return {
      options: { cert: pem, key: pem, passphrase: keyPassword ?? undefined },
      certPem: firstCertificate(pem),
      digest: digestOf(pem),
    };
  }
  return {
    options: { pfx: store.bytes, passphrase: keyPassword ?? storePassword ?? undefined },
    certPem: null,
    digest: digestOf(store.bytes),
  };
}

function firstCertificate(pem: string): string | null {
  const m = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(pem);
  return m ? m[0] : null;
}

function digestOf(...parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\u0000');
  return h.digest('hex');
}

function trustStore(
  config: BrokerConfig,
  listener: string,
  where: string,
): { ca: string[] | undefined; digest: string } | string {
  const type = (text(config, listener, 'ssl.truststore.type') ?? 'JKS').toUpperCase();
  const inline = text(config, listener, 'ssl.truststore.certificates');
  if (inline) {
    if (type !== 'PEM') return `${where}: ssl.truststore.certificates needs ssl.truststore.type=PEM`;
    return { ca: pemCertificates(inline), digest: digestOf(inline) };
  }
  const location = text(config, listener, 'ssl.truststore.location');
  if (!location) return { ca: undefined, digest: '' };
  const store = readStore(where, 'ssl.truststore.location', location, 'truststore');
  if (!store.ok) return store.error;
  if (store.format === 'PEM') {
    const certs = pemCertificates(store.bytes.toString('utf8'));
    if (certs.length === 0) return `${where}: ${location} holds no certificate`;
    return { ca: certs, digest: digestOf(store.bytes) };
  }
  const parsed = pkcs12Certificates(store.bytes, text(config, listener, 'ssl.truststore.password'));
  if (typeof parsed === 'string') return `${where}: ssl.truststore.location ${location}: ${parsed}`;
  return { ca: parsed, digest: digestOf(store.bytes) };
}

function pemCertificates(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}

/**
 * The certificates of a PKCS12 trust store (what keytool makes: certificate bags only, no key, which
 * Node's `pfx` cannot load). node-forge reads it: PKCS12's key derivation and the legacy ciphers
 * Java and OpenSSL use for such files are not all in Node's crypto. Loaded only when such a store is
 * configured.
 */
function pkcs12Certificates(bytes: Buffer, password: string | null): string[] | string {
  const forge = createRequire(import.meta.url)('node-forge') as typeof import('node-forge');
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(bytes.toString('binary')));
    const p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password ?? '');
    const bags = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [];
    const certs = bags.flatMap((b) => (b.cert ? [forge.pki.certificateToPem(b.cert)] : []));
    return certs.length > 0 ? certs : 'the PKCS12 store holds no certificate';
  } catch (err) {
    const message = (err as Error).message;
    return /mac|password|invalid/i.test(message)
      ? `cannot open the PKCS12 store (wrong ssl.truststore.password?): ${message}`
      : `cannot read the PKCS12 store: ${message}`;
  }
}

const PROTOCOLS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;

/** Node's default suites with the AES-128-GCM ones first. */
const PREFERRED_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  ...DEFAULT_CIPHERS.split(':').filter((c) => c !== 'TLS_AES_128_GCM_SHA256'),
].join(':');
type TlsVersion = (typeof PROTOCOLS)[number];

/**
 * A cipher suite in Kafka's (Java's IANA) name as OpenSSL names it; TLS 1.3 suites and names already
 * in OpenSSL's form pass unchanged. Null for a name that cannot be read.
 */
export function opensslCipher(name: string): string | null {
  if (/^TLS_(AES|CHACHA20)_/.test(name)) return name;
  if (!name.startsWith('TLS_') && !name.startsWith('SSL_')) return /^[A-Z0-9-]+$/.test(name) ? name : null;
  const m = /^(?:TLS|SSL)_(ECDHE_ECDSA|ECDHE_RSA|DHE_RSA|RSA)_WITH_(.+)$/.exec(name);
  if (!m) return null;
  const kx = { ECDHE_ECDSA: 'ECDHE-ECDSA-', ECDHE_RSA: 'ECDHE-RSA-', DHE_RSA: 'DHE-RSA-', RSA: '' }[m[1]];
  const c = /^(AES_128|AES_256|CHACHA20_POLY1305)(?:_(GCM|CBC|CCM))?_(SHA|SHA256|SHA384)$/.exec(m[2]);
  if (!c) return null;
  if (c[1] === 'CHACHA20_POLY1305') return `${kx}CHACHA20-POLY1305`;
  const bits = c[1] === 'AES_128' ? 'AES128' : 'AES256';
  if (c[2] === 'GCM') return `${kx}${bits}-GCM-${c[3]}`;
  if (c[2] === 'CCM') return `${kx}${bits}-CCM`;
  return `${kx}${bits}-${c[3]}`;
}

function versionsAndCiphers(
  config: BrokerConfig,
  listener: string,
  where: string,
): Pick<SecureContextOptions, 'minVersion' | 'maxVersion' | 'ciphers'> | string {
  const enabled = list(config, listener, 'ssl.enabled.protocols');
  const known = enabled.filter((p): p is TlsVersion => (PROTOCOLS as readonly string[]).includes(p));
  const unknown = enabled.filter((p) => !known.includes(p as TlsVersion));
  if (unknown.length > 0)
    return `${where}: ssl.enabled.protocols: ${unknown.join(', ')} not supported (one of ${PROTOCOLS.join(', ')})`;
  if (known.length === 0) return `${where}: ssl.enabled.protocols names no protocol`;
  const order = known.map((p) => PROTOCOLS.indexOf(p)).sort();
  const out: Pick<SecureContextOptions, 'minVersion' | 'maxVersion' | 'ciphers'> = {
    minVersion: PROTOCOLS[order[0]],
    maxVersion: PROTOCOLS[order[order.length - 1]],
  };
  const suites = list(config, listener, 'ssl.cipher.suites');
  if (suites.length > 0) {
    const mapped = suites.map((s) => [s, opensslCipher(s)] as const);
    const bad = mapped.filter(([, m]) => m === null).map(([s]) => s);
    if (bad.length > 0) return `${where}: ssl.cipher.suites: unknown cipher suite ${bad.join(', ')}`;
    out.ciphers = mapped.map(([, m]) => m).join(':');
  }
  return out;
}

function clientAuthOf(config: BrokerConfig, listener: string, protocol: string): ClientAuth {
  // On SASL_SSL listeners Kafka applies ssl.client.auth only when it is set for the listener itself.
  const own = config.get(`listener.name.${listener.toLowerCase()}.ssl.client.auth`)?.value;
  const value =
    protocol === 'SASL_SSL' ? (own ?? 'none') : listenerValue(config, listener, 'ssl.client.auth');
  return value === 'required' || value === 'requested' ? value : 'none';
}

/** The TLS settings of an SSL or SASL_SSL listener, checked by building a secure context from them. */
export function tlsSettings(config: BrokerConfig, listener: string, protocol: string): TlsResult {
  const where = `listener ${listener}`;
  const key = keyStore(config, listener, where);
  if (typeof key === 'string') return { ok: false, error: key };
  const trust = trustStore(config, listener, where);
  if (typeof trust === 'string') return { ok: false, error: trust };
  const versions = versionsAndCiphers(config, listener, where);
  if (typeof versions === 'string') return { ok: false, error: versions };
  const rules = parseMappingRules(text(config, listener, 'ssl.principal.mapping.rules'));
  if (!rules.ok) return { ok: false, error: `${where}: ${rules.error}` };
  const context: SecureContextOptions = {
    ...key.options,
    // Without ssl.cipher.suites, the broker prefers AES-128-GCM: as safe, and the cheapest on the data path.
    ...(versions.ciphers === undefined ? { ciphers: PREFERRED_CIPHERS, honorCipherOrder: true } : {}),
    ...versions,
    ca: trust.ca,
  };
  let certPem = key.certPem;
  try {
    const built = createSecureContext(context);
    // A PKCS12 store's certificate is learnt from the context it made.
    if (!certPem) certPem = certificateOfContext(built.context);
  } catch (err) {
    return {
      ok: false,
      error: `${where}: the key store or trust store cannot be used: ${(err as Error).message}`,
    };
  }
  const clientAuth = clientAuthOf(config, listener, protocol);
  return {
    ok: true,
    value: {
      context,
      clientAuth,
      mappingRules: rules.rules,
      subject: certPem ? subjectOf(certPem) : null,
      allowDnChanges: listenerValue(config, listener, 'ssl.allow.dn.changes') === true,
      fingerprint: digestOf(
        key.digest,
        trust.digest,
        JSON.stringify(versions),
        clientAuth,
        rules.rules.map((r) => r.text).join(','),
      ),
    },
  };
}

function certificateOfContext(context: unknown): string | null {
  const c = context as { getCertificate?: () => Buffer | null };
  const der = c.getCertificate?.();
  return der ? new X509Certificate(der).toString() : null;
}

function subjectOf(pem: string): string | null {
  try {
    return new X509Certificate(pem).subject;
  } catch {
    return null;
  }
}
