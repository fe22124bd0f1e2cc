// SCRAM-SHA-256/512 (RFC 5802, RFC 7677), the client's side and the arithmetic both sides share. Pure:
// no sockets, no clock; the caller sends the messages and picks the nonce. Samsa's client
// (client/security.ts) and the broker's connections to its peers (broker/security/peer-security.ts)
// both log in through `ScramClientExchange`, and the server (scram.ts) derives its keys with the
// same functions. This file imports nothing but node:crypto, so the client may import it without
// reaching the rest of security/.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

export function isScramMechanism(name: string): name is ScramMechanism {
  return name === 'SCRAM-SHA-256' || name === 'SCRAM-SHA-512';
}

export const SCRAM_HASH: Readonly<Record<ScramMechanism, { name: 'sha256' | 'sha512'; bytes: number }>> = {
  'SCRAM-SHA-256': { name: 'sha256', bytes: 32 },
  'SCRAM-SHA-512': { name: 'sha512', bytes: 64 },
};

/**
 * The iterations a client accepts from a server: Kafka's minimum, and a ceiling that bounds the
 * PBKDF2 work a hostile server can ask of a client (Kafka's own maximum is 16384).
 */
export const SCRAM_CLIENT_ITERATIONS_MIN = 4096;
export const SCRAM_CLIENT_ITERATIONS_MAX = 1_000_000;

export const scramHmac = (m: ScramMechanism, key: Buffer, data: string | Buffer) =>
  createHmac(SCRAM_HASH[m].name, key).update(data).digest();
export const scramHash = (m: ScramMechanism, data: Buffer) =>
  createHash(SCRAM_HASH[m].name).update(data).digest();

export function saltedPassword(
  m: ScramMechanism,
  password: string,
  salt: Buffer,
  iterations: number,
): Buffer {
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, SCRAM_HASH[m].bytes, SCRAM_HASH[m].name);
}

/** ClientKey, StoredKey and ServerKey of a salted password (RFC 5802 §3). */
export function scramKeys(
  m: ScramMechanism,
  salted: Buffer,
): { clientKey: Buffer; storedKey: Buffer; serverKey: Buffer } {
  const clientKey = scramHmac(m, salted, 'Client Key');
  return { clientKey, storedKey: scramHash(m, clientKey), serverKey: scramHmac(m, salted, 'Server Key') };
}

export function encodeSaslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/** Attributes of a SCRAM message `a=1,b=2`, in order; null when malformed. */
export function scramAttributes(text: string): [string, string][] | null {
  const out: [string, string][] = [];
  for (const part of text.split(',')) {
    if (part.length < 2 || part[1] !== '=') return null;
    out.push([part[0], part.slice(2)]);
  }
  return out;
}

/** A fresh client nonce: printable base64 (no ','), as RFC 5802 asks. */
export function scramClientNonce(): string {
  return randomBytes(24).toString('base64');
}

export interface ScramClientFirst {
  mechanism: ScramMechanism;
  nonce: string;
  /** client-first-message-bare, part of the AuthMessage both sides sign. */
  bare: string;
  message: Buffer;
}

/** client-first-message: no channel binding, no authorization id (`n,,n=<user>,r=<nonce>`). */
export function scramClientFirst(m: ScramMechanism, username: string, nonce: string): ScramClientFirst {
  const bare = `n=${encodeSaslName(username)},r=${nonce}`;
  return { mechanism: m, nonce, bare, message: Buffer.from(`n,,${bare}`, 'utf8') };
}

export type ScramClientFinal =
  | { ok: true; message: Buffer; serverSignature: Buffer }
  | { ok: false; error: string };

/** client-final-message with the proof, and the server signature to expect; or why the server-first is refused. */
export function scramClientFinal(
  first: ScramClientFirst,
  password: string,
  serverFirst: Buffer,
): ScramClientFinal {
  const text = serverFirst.toString('utf8');
  const attrs = scramAttributes(text);
  if (attrs?.[0]?.[0] !== 'r' || attrs[1]?.[0] !== 's' || attrs[2]?.[0] !== 'i')
    return { ok: false, error: 'invalid server-first message' };
  const nonce = attrs[0][1];
  const salt = Buffer.from(attrs[1][1], 'base64');
  const iterations = Number(attrs[2][1]);
  // The server's nonce must extend ours, or the exchange could be replayed.
  if (!nonce.startsWith(first.nonce) || nonce.length === first.nonce.length)
    return { ok: false, error: "the server's nonce does not extend ours" };
  if (
    !/^\d+$/.test(attrs[2][1]) ||
    iterations < SCRAM_CLIENT_ITERATIONS_MIN ||
    iterations > SCRAM_CLIENT_ITERATIONS_MAX ||
    salt.length === 0
  )
    return { ok: false, error: `invalid server-first message (salt or iterations ${attrs[2][1]})` };
  const m = first.mechanism;
  const salted = saltedPassword(m, password, salt, iterations);
  const { clientKey, storedKey, serverKey } = scramKeys(m, salted);
  // c=biws is base64("n,,"), the gs2 header of our first message.
  const withoutProof = `c=biws,r=${nonce}`;
  const authMessage = `${first.bare},${text},${withoutProof}`;
  const signature = scramHmac(m, storedKey, authMessage);
  const proof = Buffer.alloc(clientKey.length);
  for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i] ^ signature[i];
  return {
    ok: true,
    message: Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8'),
    serverSignature: scramHmac(m, serverKey, authMessage),
  };
}

/** Null when server-final carries the signature we expect; otherwise why the server is not trusted. */
export function scramVerifyServerFinal(expectedSignature: Buffer, serverFinal: Buffer): string | null {
  const text = serverFinal.toString('utf8');
  const error = /^e=([^,]*)/.exec(text);
  if (error) return `the server refused: ${error[1]}`;
  const v = /^v=([A-Za-z0-9+/=]+)$/.exec(text);
  const given = v ? Buffer.from(v[1], 'base64') : Buffer.alloc(0);
  if (given.length !== expectedSignature.length || !timingSafeEqual(given, expectedSignature))
    return "the server's signature is wrong";
  return null;
}

export type ScramClientStep = { ok: true; message: Buffer | null } | { ok: false; error: string };

/**
 * One client-side exchange: `first()`, then `next(serverMessage)` for the server-first (answered
 * with the client-final) and the server-final (answered with null: done). Failures are values.
 */
export class ScramClientExchange {
  private readonly start: ScramClientFirst;
  private expectedSignature: Buffer | null = null;
  private done = false;

  constructor(
    readonly mechanism: ScramMechanism,
    username: string,
    private readonly password: string,
    nonce: string = scramClientNonce(),
  ) {
    this.start = scramClientFirst(mechanism, username, nonce);
  }

  first(): Buffer {
    return this.start.message;
  }

  next(server: Buffer): ScramClientStep {
    if (this.done) return { ok: false, error: 'the SCRAM exchange is already over' };
    if (this.expectedSignature === null) {
      const final = scramClientFinal(this.start, this.password, server);
      if (!final.ok) {
        this.done = true;
        return final;
      }
      this.expectedSignature = final.serverSignature;
      return { ok: true, message: final.message };
    }
    this.done = true;
    const problem = scramVerifyServerFinal(this.expectedSignature, server);
    return problem === null ? { ok: true, message: null } : { ok: false, error: problem };
  }
}
