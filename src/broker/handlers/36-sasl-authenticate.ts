// SaslAuthenticate, versions 0-2. One SASL token to the connection's session, its answer back; v1 adds
// the session lifetime (KIP-368: connections.max.reauth.ms, or the credential's expiry), v2 is
// flexible. A failed authentication is SASL_AUTHENTICATION_FAILED with Kafka's message, and the
// connection closes once that answer is written. Outside an exchange: ILLEGAL_SASL_STATE.
import { ErrorCode } from '../../protocol/errors.js';
import type { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../../protocol/messages/index.js';
import { handler } from './handler.js';
import type { CommonServices } from './services.js';

export const saslAuthenticate = handler<SaslAuthenticateRequest, SaslAuthenticateResponse, CommonServices>({
  apiKey: 36,
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, req) {
    const sasl = ctx.conn.sasl;
    if (sasl?.state !== 'authenticate')
      return {
        errorCode: ErrorCode.ILLEGAL_SASL_STATE,
        errorMessage: 'SaslAuthenticate request received outside a SASL exchange',
        authBytes: Buffer.alloc(0),
        sessionLifetimeMs: 0,
      };
    const answer = sasl.authenticate(req.authBytes, ctx.version >= 1);
    if (answer.closeReason) {
      ctx.services.log.child('authenticator').info('authentication failed', {
        remote: ctx.conn.info.remoteAddress,
        listener: ctx.conn.info.listenerName,
        reason: answer.closeReason,
      });
      ctx.conn.closeAfterResponses(answer.closeReason);
    }
    return {
      errorCode: answer.errorCode,
      errorMessage: answer.errorMessage,
      authBytes: answer.authBytes,
      sessionLifetimeMs: answer.sessionLifetimeMs,
    };
  },
});
