// How this node connects to its peers, secured as the listener it connects to: the inter-broker
// listener (replica fetchers, transaction markers and verification, inter.broker.listener.name) and
// the controller listener (the metadata quorum, registration, heartbeats, forwarding;
// controller.listener.names). As in Kafka, the node is a client with its own listener settings:
// - TLS (SSL, SASL_SSL): its key store is its client certificate (for ssl.client.auth=required
//   peers), its trust store checks the peer, and ssl.endpoint.identification.algorithm=https (the
//   default) checks the peer's host name against its certificate;
// - SASL (SASL_PLAINTEXT, SASL_SSL): sasl.mechanism.inter.broker.protocol, or
//   sasl.mechanism.controller.protocol for the controller listener, with the `username` and
//   `password` of the listener's JAAS config for that mechanism (the same line that lists the users).
//   PLAIN only: SCRAM credentials live in the metadata log, which a controller cannot read before it
//   joins the quorum (Kafka refuses SCRAM there too); mutual TLS is the other way.
import { connect as tlsConnect } from 'node:tls';
import type { BrokerConfig } from '../../config/index.js';
import type { SaslAuthenticateResponse, SaslHandshakeResponse } from '../../protocol/messages/index.js';
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
    const mechanism = String(config.get(mechanismKey)?.value ?? 'GSSAPI');
    if (mechanism !== 'PLAIN')
      return {
        ok: false,
        error: `${mechanismKey}=${mechanism}: Samsa's nodes authenticate to each other's ${listener} listener with PLAIN (or mutual TLS on an SSL listener)`,
      };
    const module = jaasModule(config, listener, mechanism);
    if (typeof module === 'string') return { ok: false, error: module };
    const username = module?.options.get('username');
    const password = module?.options.get('password');
    if (!username || password === undefined)
      return {
        ok: false,
        error: `listener ${listener}: its PLAIN JAAS config needs username="..." password="..." (what this node logs in with to its peers)`,
      };
    out.handshake = plainHandshake(username, password);
  }
  return { ok: true, value: out };
}

/** A connector whose every connection fails with `reason` after ApiVersions (a misconfigured peer). */
export function refusedPeer(reason: string): PeerConnector {
  return { handshake: async () => reason };
}

/** SaslHandshake v1 then one SaslAuthenticate v2 with PLAIN's message; null when it passed. */
function plainHandshake(username: string, password: string): NonNullable<ConnectionOptions['handshake']> {
  return async (exchange) => {
    const hs = await exchange(SASL_HANDSHAKE, 1, { mechanism: 'PLAIN' });
    if (!hs.ok) return hs.error.message;
    const h = hs.body as SaslHandshakeResponse;
    if (h.errorCode !== 0)
      return `SaslHandshake: error ${h.errorCode} (the peer offers ${h.mechanisms.join(', ')})`;
    const message = Buffer.from(`\u0000${username}\u0000${password}`, 'utf8');
    const auth = await exchange(SASL_AUTHENTICATE, 2, { authBytes: message });
    if (!auth.ok) return auth.error.message;
    const a = auth.body as SaslAuthenticateResponse;
    return a.errorCode === 0 ? null : `SaslAuthenticate: error ${a.errorCode}: ${a.errorMessage ?? ''}`;
  };
}
