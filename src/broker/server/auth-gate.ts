// The gate in front of the handlers on SASL listeners (DESIGN.md §3): before a connection has
// authenticated, only ApiVersions and SaslHandshake are served, then only SaslAuthenticate (or bare
// SASL tokens after SaslHandshake v0); anything else closes the connection, as Kafka does. Frames are
// capped by sasl.server.max.receive.size until authentication succeeds. Past its session lifetime
// (KIP-368), a connection must re-authenticate: any other request closes it.
import { CloseConnection, type Connection, type Dispatcher, type Reply } from './connection.js';
import type { SaslSession } from './sasl-session.js';

const API_KEY_SASL_HANDSHAKE = 17;
const API_KEY_API_VERSIONS = 18;
const API_KEY_SASL_AUTHENTICATE = 36;

export interface AuthGateOptions {
  /** sasl.server.max.receive.size. */
  saslReceiveBytesMax: number;
  /** socket.request.max.bytes, for authenticated connections. */
  frameBytesMax: number;
  now(): number;
}

export class AuthGate implements Dispatcher {
  constructor(
    private readonly inner: Dispatcher,
    private readonly options: AuthGateOptions,
  ) {}

  dispatch(conn: Connection, frame: Buffer): Reply {
    const sasl = conn.sasl;
    if (!sasl) return this.inner.dispatch(conn, frame);
    if (sasl.state === 'authenticate' && sasl.rawTokens) return this.bareToken(conn, sasl, frame);
    if (frame.length < 2) return new CloseConnection('malformed request header');
    const apiKey = frame.readInt16BE(0);
    if (sasl.state === 'authenticated') {
      if (apiKey === API_KEY_SASL_HANDSHAKE && sasl.canReauthenticate()) {
        sasl.beginReauthentication();
        conn.setFrameBytesMax(this.saslFrameMax(), 'sasl.server.max.receive.size');
      } else if (sasl.expired(this.options.now())) {
        return new CloseConnection(
          'the SASL session expired without re-authentication (connections.max.reauth.ms)',
        );
      }
      return this.inner.dispatch(conn, frame);
    }
    // A re-authenticating client may keep using the connection, as the principal it had.
    const isSasl = apiKey === API_KEY_SASL_HANDSHAKE || apiKey === API_KEY_SASL_AUTHENTICATE;
    if (!sasl.reauthenticating || isSasl) {
      const expected =
        sasl.state === 'handshake'
          ? apiKey === API_KEY_API_VERSIONS || apiKey === API_KEY_SASL_HANDSHAKE
          : apiKey === API_KEY_SASL_AUTHENTICATE;
      if (!expected)
        return new CloseConnection(
          `unexpected request (API key ${apiKey}) during SASL ${sasl.state === 'handshake' ? 'handshake' : 'authentication'}`,
        );
    }
    const reply = this.inner.dispatch(conn, frame);
    if (sasl.authenticated && !sasl.reauthenticating)
      conn.setFrameBytesMax(this.options.frameBytesMax, 'socket.request.max.bytes');
    return reply;
  }

  private saslFrameMax(): number {
    return Math.min(this.options.saslReceiveBytesMax, this.options.frameBytesMax);
  }

  /** A bare SASL token (after SaslHandshake v0): answered bare, or the connection closes. */
  private bareToken(conn: Connection, sasl: SaslSession, token: Buffer): Reply {
    const answer = sasl.authenticate(token, false);
    if (answer.errorCode !== 0) return new CloseConnection(answer.closeReason ?? 'authentication failed');
    if (sasl.state === 'authenticated')
      conn.setFrameBytesMax(this.options.frameBytesMax, 'socket.request.max.bytes');
    const size = Buffer.alloc(4);
    size.writeInt32BE(answer.authBytes.length, 0);
    return answer.authBytes.length > 0 ? [size, answer.authBytes] : [size];
  }
}
