// SASL/SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677, Kafka's KIP-84), server side, and the
// credentials the tools that create users derive (the key arithmetic itself is scram-client.ts's,
// shared with the clients' side). The broker stores only the salt,
// the iteration count, StoredKey and ServerKey; the password never reaches it in clear except through
// the tools that derive those. Guarded against the bugs Kafka had: the combined nonce is checked
// (CVE-2024-56128), an authorization id other than the user is refused (CVE-2017-12610), and proofs
// are compared in constant time (CVE-2021-38153).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { user } from '../principal.js';
import type { SaslServer, SaslStep } from './mechanism.js';
import {
  SCRAM_HASH,
  type ScramMechanism,
  saltedPassword,
  scramAttributes,
  scramHash,
  scramHmac,
  scramKeys,
} from './scram-client.js';

export { encodeSaslName, type ScramMechanism, saltedPassword } from './scram-client.js';

/** Kafka's mechanism type codes (AlterUserScramCredentials, UserScramCredentialRecord). */
export const SCRAM_MECHANISM_TYPES: Readonly<Record<ScramMechanism, number>> = {
  'SCRAM-SHA-256': 1,
  'SCRAM-SHA-512': 2,
};

export function scramMechanismOfType(type: number): ScramMechanism | null {
  if (type === 1) return 'SCRAM-SHA-256';
  if (type === 2) return 'SCRAM-SHA-512';
  return null;
}

/** The iteration bounds Kafka enforces (ScramMechanism minIterations; the controller's maximum). */
export const SCRAM_ITERATIONS_MIN = 4096;
export const SCRAM_ITERATIONS_MAX = 16384;

export interface ScramCredential {
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
  iterations: number;
}

/** StoredKey and ServerKey from a salted password (AlterUserScramCredentials sends the salted password). */
export function credentialFromSaltedPassword(
  m: ScramMechanism,
  salted: Buffer,
  salt: Buffer,
  iterations: number,
): ScramCredential {
  const { storedKey, serverKey } = scramKeys(m, salted);
  return { salt, iterations, storedKey, serverKey };
}

/** A new credential for a clear password, with a random salt (the tools' `SCRAM-SHA-256=[password=...]`). */
export function createCredential(
  m: ScramMechanism,
  password: string,
  iterations = SCRAM_ITERATIONS_MIN,
  salt: Buffer = randomBytes(SCRAM_HASH[m].bytes),
): ScramCredential {
  return credentialFromSaltedPassword(m, saltedPassword(m, password, salt, iterations), salt, iterations);
}

/** SCRAM's `saslname`: ',' and '=' are written `=2C` and `=3D`; any other '=' is malformed. */
export function decodeSaslName(text: string): string | null {
  if (/=(?!2C|3D)/.test(text)) return null;
  return text.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

const PRINTABLE_NONCE = /^[\x21-\x2b\x2d-\x7e]+$/;

export type CredentialLookup = (username: string, mechanism: ScramMechanism) => ScramCredential | null;

export class ScramServer implements SaslServer {
  private state: 'first' | 'final' | 'done' = 'first';
  private username = '';
  private credential: ScramCredential | null = null;
  private clientFirstBare = '';
  private gs2Header = '';
  private serverFirst = '';
  private nonce = '';
  private clientNonce = '';
  /** Extensions of the client's first message (Kafka uses `tokenauth=true` for delegation tokens). */
  extensions = new Map<string, string>();

  constructor(
    readonly mechanism: ScramMechanism,
    private readonly lookup: CredentialLookup,
    private readonly serverNonce: () => string = () => randomBytes(18).toString('base64'),
  ) {}

  step(input: Buffer): SaslStep {
    const text = input.toString('utf8');
    if (this.state === 'first') return this.first(text);
    if (this.state === 'final') return this.final(text);
    return { kind: 'failed', reason: 'the SCRAM exchange is already over' };
  }

  private first(text: string): SaslStep {
    this.state = 'done';
    // gs2-header: "n,," or "n,a=<authzid>,"; channel binding ("p=") is not offered, "y" means the
    // client could have used it and believes we cannot: both are acceptable without binding.
    const m = /^([ny]),(a=[^,]*)?,(.*)$/s.exec(text);
    if (!m) return { kind: 'failed', reason: 'invalid SCRAM client-first message' };
    const bare = scramAttributes(m[3]);
    if (!bare || bare.length < 2 || bare[0][0] !== 'n' || bare[1][0] !== 'r')
      return { kind: 'failed', reason: 'invalid SCRAM client-first message' };
    const username = decodeSaslName(bare[0][1]);
    if (username === null || username === '') return { kind: 'failed', reason: 'invalid SCRAM username' };
    if (m[2] !== undefined && decodeSaslName(m[2].slice(2)) !== username)
      return { kind: 'failed', reason: 'authorization id differs from the username' };
    const clientNonce = bare[1][1];
    if (!PRINTABLE_NONCE.test(clientNonce)) return { kind: 'failed', reason: 'invalid SCRAM nonce' };
    for (const [k, v] of bare.slice(2)) this.extensions.set(k, v);
    // Delegation tokens authenticate through SCRAM with tokenauth=true; Samsa issues none, so such a
    // client must not be looked up as the user its token id happens to spell.
    if (this.extensions.get('tokenauth') === 'true')
      return { kind: 'failed', reason: 'delegation token authentication is not supported' };
    const credential = this.lookup(username, this.mechanism);
    if (!credential) return { kind: 'failed', reason: `unknown user ${username}` };
    if (credential.iterations < SCRAM_ITERATIONS_MIN)
      return { kind: 'failed', reason: `iterations ${credential.iterations} below the minimum` };
    this.username = username;
    this.credential = credential;
    this.clientFirstBare = m[3];
    this.gs2Header = text.slice(0, text.length - m[3].length);
    this.clientNonce = clientNonce;
    this.nonce = clientNonce + this.serverNonce();
    this.serverFirst = `r=${this.nonce},s=${credential.salt.toString('base64')},i=${credential.iterations}`;
    this.state = 'final';
    return { kind: 'challenge', bytes: Buffer.from(this.serverFirst, 'utf8') };
  }

  private final(text: string): SaslStep {
    this.state = 'done';
    const credential = this.credential as ScramCredential;
    const attrs = scramAttributes(text);
    const proofAt = text.lastIndexOf(',p=');
    if (!attrs || proofAt < 0 || attrs[0]?.[0] !== 'c' || attrs[1]?.[0] !== 'r' || attrs.at(-1)?.[0] !== 'p')
      return { kind: 'failed', reason: 'invalid SCRAM client-final message' };
    // The combined nonce, exactly (CVE-2024-56128 was a broker accepting any prefix before it). One
    // other form is taken: librdkafka before 2.6.1 sends its own nonce again in front of the combined
    // one (Debian's kcat 1.7 / librdkafka 2.0.2 does); the server's random part is still required.
    const echoed = attrs[1][1];
    if (echoed !== this.nonce && echoed !== this.clientNonce + this.nonce)
      return { kind: 'failed', reason: 'the nonce does not match the exchange' };
    // Without channel binding, c= carries the client-first message's gs2 header, base64-encoded.
    const binding = Buffer.from(attrs[0][1], 'base64').toString('utf8');
    if (binding !== this.gs2Header) return { kind: 'failed', reason: 'unexpected channel binding' };
    const proof = Buffer.from(attrs.at(-1)?.[1] ?? '', 'base64');
    const withoutProof = text.slice(0, proofAt);
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const clientSignature = scramHmac(this.mechanism, credential.storedKey, authMessage);
    if (proof.length !== clientSignature.length) return { kind: 'failed', reason: 'invalid credentials' };
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i] ^ clientSignature[i];
    if (!timingSafeEqual(scramHash(this.mechanism, clientKey), credential.storedKey))
      return { kind: 'failed', reason: 'invalid credentials' };
    const serverSignature = scramHmac(this.mechanism, credential.serverKey, authMessage);
    return {
      kind: 'complete',
      principal: user(this.username),
      bytes: Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8'),
    };
  }
}
