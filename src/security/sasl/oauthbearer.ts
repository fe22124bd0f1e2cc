// SASL/OAUTHBEARER (RFC 7628, Kafka's KIP-255/KIP-768), server side. The client's one message is
//   gs2-header \x01 auth=Bearer <token> \x01 [key=value \x01]* \x01
// and the token is checked by a validator: Kafka's unsecured development tokens (`alg: none`), or a
// signed JWT checked against a JWKS (signature, expiry, issuer, audience). A refused token is answered,
// as RFC 7628 asks, with a JSON error as a challenge; the client acknowledges it with a lone \x01 and
// the exchange then fails.
import {
  constants,
  createPublicKey,
  type JsonWebKey,
  type KeyObject,
  verify as verifySignature,
} from 'node:crypto';
import { user } from '../principal.js';
import type { SaslServer, SaslStep } from './mechanism.js';

const SEP = '\u0001';

export interface TokenClaims {
  principal: string;
  expiresAtMs: number;
  scope: string[];
}

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; status: string; reason: string };

export type TokenValidator = (token: string, nowMs: number) => TokenCheck;

export class OAuthBearerServer implements SaslServer {
  readonly mechanism = 'OAUTHBEARER';
  private state: 'first' | 'error-sent' | 'done' = 'first';
  private failure = '';
  /** SASL extensions the client sent (`key=value` pairs besides `auth`). */
  extensions = new Map<string, string>();

  constructor(
    private readonly validate: TokenValidator,
    private readonly now: () => number,
  ) {}

  step(input: Buffer): SaslStep {
    if (this.state === 'error-sent') {
      this.state = 'done';
      return { kind: 'failed', reason: this.failure };
    }
    if (this.state === 'done') return { kind: 'failed', reason: 'the OAUTHBEARER exchange is already over' };
    this.state = 'done';
    const text = input.toString('utf8');
    // gs2-header, then key=value pairs each ended by \x01, then one more \x01.
    const header = /^n,(a=[^,]*)?,/.exec(text);
    if (!header || !text.endsWith(SEP + SEP) || text[header[0].length] !== SEP)
      return { kind: 'failed', reason: 'invalid OAUTHBEARER client message' };
    const m = [header[0], header[1], text.slice(header[0].length + 1, -2)];
    let token: string | null = null;
    for (const pair of m[2].split(SEP)) {
      const eq = pair.indexOf('=');
      if (eq <= 0) return { kind: 'failed', reason: 'invalid OAUTHBEARER key/value pair' };
      const key = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (key === 'auth') {
        const bearer = /^Bearer +(\S+)$/i.exec(value);
        if (!bearer) return { kind: 'failed', reason: 'the auth value is not "Bearer <token>"' };
        token = bearer[1];
      } else this.extensions.set(key, value);
    }
    if (!token) return { kind: 'failed', reason: 'no token' };
    const check = this.validate(token, this.now());
    if (!check.ok) {
      this.state = 'error-sent';
      this.failure = check.reason;
      return { kind: 'challenge', bytes: Buffer.from(JSON.stringify({ status: check.status }), 'utf8') };
    }
    const authzid = m[1]?.slice(2);
    if (authzid && authzid !== check.claims.principal)
      return { kind: 'failed', reason: 'authorization id differs from the token subject' };
    return {
      kind: 'complete',
      principal: user(check.claims.principal),
      bytes: Buffer.alloc(0),
      expiresAtMs: check.claims.expiresAtMs,
    };
  }
}

function decodeJwtPart(part: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

function scopeOf(value: unknown): string[] {
  if (typeof value === 'string') return value.split(' ').filter(Boolean);
  if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string');
  return [];
}

interface ClaimRules {
  subClaim: string;
  scopeClaim: string;
  clockSkewMs: number;
}

/** Expiry, not-before and subject checks common to both validators. */
function checkClaims(payload: Record<string, unknown>, now: number, rules: ClaimRules): TokenCheck {
  const exp = payload.exp;
  if (typeof exp !== 'number')
    return { ok: false, status: 'invalid_token', reason: 'the token has no exp claim' };
  if (exp * 1000 + rules.clockSkewMs <= now)
    return { ok: false, status: 'invalid_token', reason: 'the token has expired' };
  const nbf = payload.nbf;
  if (typeof nbf === 'number' && nbf * 1000 - rules.clockSkewMs > now)
    return { ok: false, status: 'invalid_token', reason: 'the token is not valid yet' };
  const sub = payload[rules.subClaim];
  if (typeof sub !== 'string' || sub.trim() === '')
    return { ok: false, status: 'invalid_token', reason: `the token has no ${rules.subClaim} claim` };
  return {
    ok: true,
    claims: { principal: sub, expiresAtMs: exp * 1000, scope: scopeOf(payload[rules.scopeClaim]) },
  };
}

export interface UnsecuredOptions {
  /** `unsecuredValidatorPrincipalClaimName` (default "sub"). */
  principalClaim?: string;
  /** `unsecuredValidatorScopeClaimName` (default "scope"). */
  scopeClaim?: string;
  /** `unsecuredValidatorRequiredScope`: scopes the token must have. */
  requiredScope?: string[];
  /** `unsecuredValidatorAllowableClockSkewMs`. */
  clockSkewMs?: number;
}

/** Kafka's default validator: unsigned tokens (`alg: none`), for development only. */
export function unsecuredValidator(options: UnsecuredOptions = {}): TokenValidator {
  const rules = {
    subClaim: options.principalClaim ?? 'sub',
    scopeClaim: options.scopeClaim ?? 'scope',
    clockSkewMs: options.clockSkewMs ?? 0,
  };
  return (token, now) => {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[2] !== '')
      return {
        ok: false,
        status: 'invalid_token',
        reason: 'not an unsecured JWS (expected "header.payload.")',
      };
    const header = decodeJwtPart(parts[0]);
    const payload = decodeJwtPart(parts[1]);
    if (!header || !payload)
      return { ok: false, status: 'invalid_token', reason: 'the token does not decode' };
    if (header.alg !== 'none') return { ok: false, status: 'invalid_token', reason: 'alg must be "none"' };
    const checked = checkClaims(payload, now, rules);
    if (!checked.ok) return checked;
    const missing = (options.requiredScope ?? []).filter((s) => !checked.claims.scope.includes(s));
    if (missing.length > 0)
      return {
        ok: false,
        status: 'insufficient_scope',
        reason: `the token lacks scope ${missing.join(' ')}`,
      };
    return checked;
  };
}

export interface JwksOptions {
  /** The keys (a JWKS document's `keys`). */
  keys: JsonWebKey[];
  /** `sasl.oauthbearer.expected.issuer`. */
  issuer?: string;
  /** `sasl.oauthbearer.expected.audience`: the token's aud must name one of these. */
  audience?: string[];
  /** `sasl.oauthbearer.sub.claim.name` (default "sub"). */
  subClaim?: string;
  /** `sasl.oauthbearer.scope.claim.name` (default "scope"). */
  scopeClaim?: string;
  /** `sasl.oauthbearer.clock.skew.seconds` in ms (default 30 s). */
  clockSkewMs?: number;
}

const JWS_ALGORITHMS: Readonly<Record<string, { hash: string; dsa?: boolean; pss?: boolean }>> = {
  RS256: { hash: 'sha256' },
  RS384: { hash: 'sha384' },
  RS512: { hash: 'sha512' },
  PS256: { hash: 'sha256', pss: true },
  PS384: { hash: 'sha384', pss: true },
  PS512: { hash: 'sha512', pss: true },
  ES256: { hash: 'sha256', dsa: true },
  ES384: { hash: 'sha384', dsa: true },
  ES512: { hash: 'sha512', dsa: true },
};

/** Signed JWTs checked against a JWKS: signature (by `kid`), expiry, issuer and audience. */
export function jwksValidator(options: JwksOptions): TokenValidator {
  const keys = new Map<string, KeyObject>();
  for (const jwk of options.keys) {
    const kid = typeof jwk.kid === 'string' ? jwk.kid : '';
    try {
      keys.set(kid, createPublicKey({ key: jwk, format: 'jwk' }));
    } catch {
      // A key this runtime cannot load is skipped; tokens signed with it fail with "unknown key".
    }
  }
  const rules = {
    subClaim: options.subClaim ?? 'sub',
    scopeClaim: options.scopeClaim ?? 'scope',
    clockSkewMs: options.clockSkewMs ?? 30_000,
  };
  return (token, now) => {
    const parts = token.split('.');
    if (parts.length !== 3) return { ok: false, status: 'invalid_token', reason: 'not a signed JWT' };
    const header = decodeJwtPart(parts[0]);
    const payload = decodeJwtPart(parts[1]);
    if (!header || !payload)
      return { ok: false, status: 'invalid_token', reason: 'the token does not decode' };
    const alg = JWS_ALGORITHMS[String(header.alg)];
    if (!alg)
      return { ok: false, status: 'invalid_token', reason: `algorithm ${String(header.alg)} not accepted` };
    const key = keys.get(typeof header.kid === 'string' ? header.kid : '');
    if (!key) return { ok: false, status: 'invalid_token', reason: 'signed with an unknown key' };
    const signed = Buffer.from(`${parts[0]}.${parts[1]}`, 'ascii');
    const signature = Buffer.from(parts[2], 'base64url');
    let ok: boolean;
    // A key of another type than the algorithm names (an EC key for RS256...) makes verify throw.
    try {
      ok = verifySignature(
        alg.hash,
        signed,
        alg.dsa
          ? { key, dsaEncoding: 'ieee-p1363' }
          : alg.pss
            ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
            : key,
        signature,
      );
    } catch {
      ok = false;
    }
    if (!ok) return { ok: false, status: 'invalid_token', reason: 'bad signature' };
    if (options.issuer !== undefined && payload.iss !== options.issuer)
      return { ok: false, status: 'invalid_token', reason: 'unexpected issuer' };
    if (options.audience && options.audience.length > 0) {
      const aud = scopeOf(payload.aud);
      if (!aud.some((a) => options.audience?.includes(a)))
        return { ok: false, status: 'invalid_token', reason: 'unexpected audience' };
    }
    return checkClaims(payload, now, rules);
  };
}
