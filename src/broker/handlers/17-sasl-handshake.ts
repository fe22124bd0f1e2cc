// SaslHandshake, versions 0-1. On a SASL listener the connection's SASL session answers it (the auth
// gate lets it through before authentication, or to start a re-authentication): the mechanisms the
// listener enables, and UNSUPPORTED_SASL_MECHANISM (then a closed connection) for any other. v0 means
// bare SASL tokens follow; v1 means SaslAuthenticate requests. Anywhere else (a PLAINTEXT or SSL
// listener, an authenticated connection) Kafka answers ILLEGAL_SASL_STATE.
import { ErrorCode } from '../../protocol/errors.js';
import type { SaslHandshakeRequest, SaslHandshakeResponse } from '../../protocol/messages/index.js';
import { handler } from './handler.js';
import type { CommonServices } from './services.js';

export const saslHandshake = handler<SaslHandshakeRequest, SaslHandshakeResponse, CommonServices>({
  apiKey: 17,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req) {
    const sasl = ctx.conn.sasl;
    if (sasl?.state !== 'handshake') return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
    const answer = sasl.handshake(req.mechanism, ctx.version);
    if (answer.closeReason) ctx.conn.closeAfterResponses(answer.closeReason);
    return { errorCode: answer.errorCode, mechanisms: answer.mechanisms };
  },
});
