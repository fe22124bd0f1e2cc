// The SASL state of one connection on a SASL_PLAINTEXT or SASL_SSL listener, as Kafka's server-side
// authenticator keeps it:
//   handshake      → only ApiVersions and SaslHandshake are served;
//   authenticate   → SaslHandshake v1 chose a mechanism: only SaslAuthenticate is served; after
//                    SaslHandshake v0 the client sends bare SASL tokens instead (kafka-python 2.0.2);
//   authenticated  → every API; a SaslHandshake starts a re-authentication (KIP-368) when the
//                    session has a lifetime; past that lifetime any other request closes the connection.
// Any failure answers with Kafka's error and closes the connection once the answer is written.
import { ErrorCode } from '../../protocol/errors.js';
import { ANONYMOUS, type KafkaPrincipal, principalString } from '../../security/principal.js';
import type { SaslServer } from '../../security/sasl/mechanism.js';
import { OAuthBearerServer, type TokenValidator } from '../../security/sasl/oauthbearer.js';
import { PlainServer, type PlainVerifier } from '../../security/sasl/plain.js';
import { type CredentialLookup, type ScramMechanism, ScramServer } from '../../security/sasl/scram.js';

/** What a SASL listener accepts, from its config (sasl-config.ts). */
export interface SaslListenerSettings {
  /** sasl.enabled.mechanisms, in the order configured. */
  mechanisms: readonly string[];
  /** PLAIN's users (user_<name> options of the listener's PlainLoginModule). */
  plain: PlainVerifier | null;
  /** OAUTHBEARER's token check. */
  oauth: TokenValidator | null;
  /** connections.max.reauth.ms per mechanism (0: sessions never expire unless the credential does). */
  reauthMs: (mechanism: string) => number;
}

export interface SaslEnvironment {
  /** SCRAM credentials as the metadata image holds them now. */
  scram: CredentialLookup;
  now(): number;
  /** Counts authentications (metrics): success or failure, with the mechanism. */
  onAuthentication?: (mechanism: string, ok: boolean, reason: string) => void;
}

export type SaslState = 'handshake' | 'authenticate' | 'authenticated';

export interface HandshakeAnswer {
  errorCode: number;
  mechanisms: string[];
  /** Set when the connection must close once the answer is written. */
  closeReason: string | null;
}

export interface AuthenticateAnswer {
  errorCode: number;
  errorMessage: string | null;
  authBytes: Buffer;
  sessionLifetimeMs: number;
  closeReason: string | null;
}

const EMPTY = Buffer.alloc(0);

export class SaslSession {
  state: SaslState = 'handshake';
  /** True after SaslHandshake v0: tokens come bare, without a Kafka request header. */
  rawTokens = false;
  principal: KafkaPrincipal = ANONYMOUS;
  mechanism: string | null = null;
  /** When the session ends (ms); null when it never does. */
  expiresAtMs: number | null = null;
  /** True while a re-authentication runs (the principal and mechanism may not change). */
  reauthenticating = false;
  private server: SaslServer | null = null;

  constructor(
    private readonly settings: SaslListenerSettings,
    private readonly env: SaslEnvironment,
  ) {}

  get authenticated(): boolean {
    return this.state === 'authenticated' || this.reauthenticating;
  }

  /** Whether a SaslHandshake on an authenticated connection starts a re-authentication. */
  canReauthenticate(): boolean {
    return this.state === 'authenticated' && this.expiresAtMs !== null;
  }

  beginReauthentication(): void {
    this.state = 'handshake';
    this.reauthenticating = true;
  }

  expired(nowMs: number): boolean {
    return this.state === 'authenticated' && this.expiresAtMs !== null && nowMs >= this.expiresAtMs;
  }

  handshake(mechanism: string, version: number): HandshakeAnswer {
    const mechanisms = [...this.settings.mechanisms];
    if (this.state !== 'handshake')
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms, closeReason: 'unexpected SaslHandshake' };
    if (!mechanisms.includes(mechanism) || !this.serverFor(mechanism))
      return {
        errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM,
        mechanisms,
        closeReason: `unsupported SASL mechanism ${mechanism}`,
      };
    if (this.reauthenticating && mechanism !== this.mechanism)
      return {
        errorCode: ErrorCode.ILLEGAL_SASL_STATE,
        mechanisms,
        closeReason: `re-authentication may not change the mechanism (${this.mechanism} to ${mechanism})`,
      };
    this.mechanism = mechanism;
    this.server = this.serverFor(mechanism);
    this.rawTokens = version === 0;
    this.state = 'authenticate';
    return { errorCode: ErrorCode.NONE, mechanisms, closeReason: null };
  }

  private serverFor(mechanism: string): SaslServer | null {
    switch (mechanism) {
      case 'PLAIN':
        return this.settings.plain ? new PlainServer(this.settings.plain) : null;
      case 'SCRAM-SHA-256':
      case 'SCRAM-SHA-512':
        return new ScramServer(mechanism as ScramMechanism, this.env.scram);
      case 'OAUTHBEARER':
        return this.settings.oauth ? new OAuthBearerServer(this.settings.oauth, () => this.env.now()) : null;
      default:
        return null;
    }
  }

  /**
   * One SASL token (from SaslAuthenticate, or bare after SaslHandshake v0). `supportsLifetime` is
   * false for SaslAuthenticate v0 and bare tokens: such clients cannot re-authenticate, so their
   * sessions get no lifetime (as Kafka does).
   */
  authenticate(token: Buffer, supportsLifetime: boolean): AuthenticateAnswer {
    if (this.state !== 'authenticate' || !this.server)
      return this.failure(
        ErrorCode.ILLEGAL_SASL_STATE,
        'unexpected SaslAuthenticate',
        'unexpected SaslAuthenticate',
      );
    const step = this.server.step(token);
    if (step.kind === 'challenge')
      return {
        errorCode: 0,
        errorMessage: null,
        authBytes: step.bytes,
        sessionLifetimeMs: 0,
        closeReason: null,
      };
    const mechanism = this.mechanism ?? '';
    if (step.kind === 'failed') {
      this.env.onAuthentication?.(mechanism, false, step.reason);
      return this.failure(ErrorCode.SASL_AUTHENTICATION_FAILED, failureMessage(mechanism), step.reason);
    }
    if (this.reauthenticating && principalString(step.principal) !== principalString(this.principal)) {
      this.env.onAuthentication?.(mechanism, false, 'principal changed');
      return this.failure(
        ErrorCode.SASL_AUTHENTICATION_FAILED,
        'Cannot change principals during re-authentication',
        `re-authentication as ${principalString(step.principal)} instead of ${principalString(this.principal)}`,
      );
    }
    this.principal = step.principal;
    this.state = 'authenticated';
    this.reauthenticating = false;
    this.server = null;
    const lifetimeMs = supportsLifetime ? this.lifetimeMs(mechanism, step.expiresAtMs ?? null) : 0;
    this.expiresAtMs = lifetimeMs > 0 ? this.env.now() + lifetimeMs : null;
    this.env.onAuthentication?.(mechanism, true, '');
    return {
      errorCode: 0,
      errorMessage: null,
      authBytes: step.bytes,
      sessionLifetimeMs: lifetimeMs,
      closeReason: null,
    };
  }

  /** Kafka's session lifetime: connections.max.reauth.ms, shortened to the credential's expiry. */
  private lifetimeMs(mechanism: string, credentialExpiresAtMs: number | null): number {
    const maxReauthMs = this.settings.reauthMs(mechanism);
    const untilExpiryMs =
      credentialExpiresAtMs === null ? null : Math.max(0, credentialExpiresAtMs - this.env.now());
    if (untilExpiryMs === null) return Math.max(0, maxReauthMs);
    if (maxReauthMs <= 0) return untilExpiryMs;
    return Math.min(untilExpiryMs, maxReauthMs);
  }

  private failure(errorCode: number, message: string, reason: string): AuthenticateAnswer {
    this.server = null;
    return {
      errorCode,
      errorMessage: message,
      authBytes: EMPTY,
      sessionLifetimeMs: 0,
      closeReason: `authentication failed: ${reason}`,
    };
  }
}

/** The message Kafka's clients show for a failed authentication. */
function failureMessage(mechanism: string): string {
  if (mechanism === 'PLAIN') return 'Authentication failed: Invalid username or password';
  if (mechanism.startsWith('SCRAM-'))
    return `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`;
  return `Authentication failed with SASL mechanism ${mechanism}`;
}
