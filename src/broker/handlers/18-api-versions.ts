// ApiVersions, versions 0-4. The list is computed from the handler registry, so it names exactly the
// APIs and versions this broker implements. v3+ requests carry the client's software name and version,
// checked against Kafka's pattern (INVALID_REQUEST otherwise, after which clients retry with v0).
// Features (v3+): `transaction.version` (0-2 supported, finalized at the transaction coordinator's
// level; 2 tells a Kafka 4 client to use transactions V2, KIP-890). Not implemented: updating features.
import { ErrorCode } from '../../protocol/errors.js';
import type { ApiVersionsRequest, ApiVersionsResponse } from '../../protocol/messages/index.js';
import { handler } from './handler.js';

const SOFTWARE = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

export const apiVersions = handler<ApiVersionsRequest, ApiVersionsResponse>({
  apiKey: 18,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req) {
    const apiKeys = ctx.supportedApis.map((a) => ({ ...a }));
    if (ctx.version >= 3) {
      const name = req.clientSoftwareName ?? '';
      const version = req.clientSoftwareVersion ?? '';
      if (!SOFTWARE.test(name) || !SOFTWARE.test(version)) {
        return { errorCode: ErrorCode.INVALID_REQUEST, apiKeys, throttleTimeMs: 0 };
      }
      ctx.conn.state.clientSoftware = `${name}/${version}`;
      const level = ctx.services.txns.settings.transactionVersion;
      return {
        errorCode: ErrorCode.NONE,
        apiKeys,
        throttleTimeMs: 0,
        supportedFeatures: [{ name: 'transaction.version', minVersion: 0, maxVersion: 2 }],
        finalizedFeaturesEpoch: 0,
        finalizedFeatures: [{ name: 'transaction.version', minVersionLevel: level, maxVersionLevel: level }],
      };
    }
    return { errorCode: ErrorCode.NONE, apiKeys, throttleTimeMs: 0 };
  },
});
