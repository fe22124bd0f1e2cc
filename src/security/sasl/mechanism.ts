// The server side of a SASL exchange, one object per authentication attempt. The broker feeds it each
// SaslAuthenticate payload and sends back what it answers; a mechanism never sees a socket or an error
// code, and failures are values carrying the one-line reason that goes into Kafka's error message.
import type { KafkaPrincipal } from '../principal.js';

export type SaslStep =
  /** Send `bytes` back and wait for the client's next message. */
  | { kind: 'challenge'; bytes: Buffer }
  /** Authenticated; `bytes` (possibly empty) is the server's last message. */
  | { kind: 'complete'; principal: KafkaPrincipal; bytes: Buffer; expiresAtMs?: number }
  /** Authentication failed; `reason` says why, for the broker's log (the client gets Kafka's fixed text). */
  | { kind: 'failed'; reason: string };

export interface SaslServer {
  readonly mechanism: string;
  step(input: Buffer): SaslStep;
}

export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export function isSaslMechanism(name: string): name is SaslMechanism {
  return (SASL_MECHANISMS as readonly string[]).includes(name);
}
