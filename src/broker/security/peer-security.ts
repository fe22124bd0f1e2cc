// How this node connects to its peers, secured as the listener it connects to: the inter-broker
// listener (replica fetchers, transaction markers and verification, inter.broker.listener.name) and
// the controller listener (the metadata quorum, registration, heartbeats, forwarding;
// controller.listener.names). As in Kafka, the node is a client with its own listener settings:
// - TLS (SSL, SASL_SSL): its key store is its client certificate (for ssl.client.auth=required
//   peers), its trust store checks the peer, and ssl.endpoint.identification.algorithm=https (the
//   default) checks the peer's host name against its certificate;
// - SASL (SASL_PLAINTEXT, SASL_SSL): sasl.mechanism.inter.broker.protocol, or
//   sasl.mechanism.controller.protocol for the controller listener, with the `username` and
//   `password` of the JAAS config of that mechanism as Kafka resolves it
//   (listener.name.<listener>.<mechanism>.sasl.jaas.config, then sasl.jaas.config). The inter-broker
//   listener takes PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 (the brokers' own SCRAM credentials are
//   bootstrapped with `kafka-storage.sh format --add-scram`); the controller listener takes PLAIN
//   only: SCRAM credentials live in the metadata log, which the controllers serve, so a node could not
//   log in to them before it has read that log (Kafka does not support SCRAM there either); mutual
//   TLS is the other way.
import { connect as tlsConnect } from 'node:tls';
import type { BrokerConfig } from '../../config/index.js';
import type { SaslAuthenticateResponse, SaslHandshakeResponse } from '../../protocol/messages/index.js';
import {
  isScramMechanism,
  ScramClientExchange,
  type ScramClientStep,
} from '../../security/sasl/scram-client.js';
import type { ConnectionOptions } from '../net/index.js';
import { jaasModule } from '../server/listener-security.js';
import { listenerValue, tlsSettings } from '../server/tls-context.js';

const SASL_HANDSHAKE = 17;
const SASL_AUTHENTICATE = 36;

export type PeerConnector = Pick<ConnectionOptions, 'dial' | 'handshake'>;
export type PeerResult = { ok: true; value: PeerConnector } | { ok: false; error: string };

/** The dial and handshake for connections to `listener` of other nodes (plain TCP: neither). */
export function peerConnector(
  config: BrokerConfig,
  listener: string,
  mechanismKey: 'sasl.mechanism.inter.broker.protocol' | 'sasl.mechanism.controller.protocol',
): PeerResult {
  const protocol = config.listenerSecurityProtocolMap.get(listener) ?? 'PLAINTEXT';
  const out: PeerConnector = {};
  if (protocol === 'SSL' || protocol === 'SASL_SSL') {
    const tls = tlsSettings(config, listener, protocol);
    if (!tls.ok) return tls;
    const verifyHost = String(listenerValue(config, listener, 'ssl.endpoint.identification.algorithm') ?? '')
      .toLowerCase()
      .includes('https');
    const context = tls.value.context;
    out.dial = (host, port) =>
      tlsConnect({
        ...context,
        host,
        port,
        // SNI takes names only.
        ...(/^[\d.:]+$/.test(host) ? {} : { servername: host }),
        rejectUnauthorized: true,
        ...(verifyHost ? {} : { checkServerIdentity: () => undefined }),
      });
  }
  if (protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL') {
    const login = saslLogin(config, listener, mechanismKey);
    if (!login.ok) return login;
    out.handshake = saslHandshake(login.value);
  }
  return { ok: true, value: out };
}

/** A connector whose every connection fails with `reason` after ApiVersions (a misconfigured peer). */
export function refusedPeer(reason: string): PeerConnector {
  return { handshake: async () => reason };
}

/** One login: the first message, then an answer to each server message (null: done). */
interface SaslLogin {
  mechanism: string;
  start: () => { first: Buffer; next: (server: Buffer) => ScramClientStep };
}

/** The mechanism and the credentials this node logs in to `listener` of its peers with. */
function saslLogin(
  config: BrokerConfig,
  listener: string,
  mechanismKey: 'sasl.mechanism.inter.broker.protocol' | 'sasl.mechanism.controller.protocol',
): { ok: true; value: SaslLogin } | { ok: false; error: string } {
  const mechanism = String(config.get(mechanismKey)?.value ?? 'GSSAPI');
  const controller = mechanismKey === 'sasl.mechanism.controller.protocol';
  if (controller && isScramMechanism(mechanism))
    return {
      ok: false,
      error: `${mechanismKey}=${mechanism}: SCRAM is not supported on the controller listener ${listener} (its credentials live in the metadata log the controllers serve); use PLAIN, or mutual TLS on an SSL listener`,
    };
  if (mechanism !== 'PLAIN' && !isScramMechanism(mechanism))
    return {
      ok: false,
      error: `${mechanismKey}=${mechanism}: Samsa's nodes authenticate to each other's ${listener} listener with ${controller ? 'PLAIN' : 'PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512'} (or mutual TLS on an SSL listener)`,
    };
  const module = jaasModule(config, listener, mechanism);
  if (typeof module === 'string') return { ok: false, error: module };
  const username = module?.options.get('username');
  const password = module?.options.get('password');
  if (!username || password === undefined)
    return {
      ok: false,
      error: `listener ${listener}: the ${mechanism} JAAS config (listener.name.${listener.toLowerCase()}.${mechanism.toLowerCase()}.sasl.jaas.config or sasl.jaas.config) needs username="..." password="..." (what this node logs in with to its peers)`,
    };
  if (mechanism === 'PLAIN')
    return {
      ok: true,
      value: {
        mechanism,
        start: () => ({
          first: Buffer.from(`\u0000${username}\u0000${password}`, 'utf8'),
          next: () => ({ ok: true, message: null }),
        }),
      },
    };
  return {
    ok: true,
    value: {
      mechanism,
      start: () => {
        const exchange = new ScramClientExchange(mechanism, username, password);
        return { first: exchange.first(), next: (server) => exchange.next(server) };
      },
    },
  };
}

/** Rounds of SaslAuthenticate one login may take (SCRAM takes two; PLAIN one). */
const SASL_ROUNDS_MAX = 4;

/** SaslHandshake v1, then SaslAuthenticate v2 until the mechanism is done; null when it passed. */
function saslHandshake(login: SaslLogin): NonNullable<ConnectionOptions['handshake']> {
  return async (exchange) => {
    const hs = await exchange(SASL_HANDSHAKE, 1, { mechanism: login.mechanism });
    if (!hs.ok) return hs.error.message;
    const h = hs.body as SaslHandshakeResponse;
    if (h.errorCode !== 0)
      return `SaslHandshake ${login.mechanism}: error ${h.errorCode} (the peer offers ${h.mechanisms.join(', ')})`;
    const session = login.start();
    let message: Buffer | null = session.first;
    for (let round = 0; message !== null; round++) {
      if (round === SASL_ROUNDS_MAX) return `${login.mechanism}: the peer wants more than ${round} rounds`;
      const auth = await exchange(SASL_AUTHENTICATE, 2, { authBytes: message });
      if (!auth.ok) return auth.error.message;
      const a = auth.body as SaslAuthenticateResponse;
      if (a.errorCode !== 0)
        return `${login.mechanism} authentication failed: SaslAuthenticate error ${a.errorCode}: ${a.errorMessage ?? ''}`;
      const step = session.next(a.authBytes);
      if (!step.ok) return `${login.mechanism}: ${step.error}`;
      message = step.message;
    }
    return null;
  };
}
