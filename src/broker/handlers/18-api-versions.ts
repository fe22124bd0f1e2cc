// ApiVersions, versions 0-4. The list is computed from the handler registry, so it names exactly the
// APIs and versions this broker implements. v3+ requests carry the client's software name and version,
// checked against Kafka's pattern (INVALID_REQUEST otherwise, after which clients retry with v0).
// From v3 the answer carries the features this release supports and the cluster's finalized levels
// (kafka-features.sh describe reads them), with the metadata offset as their epoch;
// `transaction.version` (0-2 supported) is finalized at the transaction coordinator's level (2 tells a
// Kafka 4 client to use transactions V2, KIP-890).

import { SUPPORTED_FEATURES } from '../../metadata/features.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { ApiVersionsRequest, ApiVersionsResponse } from '../../protocol/messages/index.js';
import { handler } from './handler.js';
import type { BrokerServices, CommonServices } from './services.js';

const TRANSACTION_VERSION = 'transaction.version';

const SOFTWARE = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

export const apiVersions = handler<ApiVersionsRequest, ApiVersionsResponse, CommonServices>({
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
      const image = ctx.services.metadata();
      const finalized = new Map(image.features);
      // A broker's transaction coordinator finalizes transaction.version (the controller listener has none).
      const txns = (ctx.services as Partial<BrokerServices>).txns;
      if (txns) finalized.set(TRANSACTION_VERSION, txns.settings.transactionVersion);
      return {
        errorCode: ErrorCode.NONE,
        apiKeys,
        throttleTimeMs: 0,
        supportedFeatures: SUPPORTED_FEATURES.map((f) => ({
          name: f.name,
          minVersion: f.minVersion,
          maxVersion: f.name === TRANSACTION_VERSION ? Math.max(f.maxVersion, 2) : f.maxVersion,
        })),
        finalizedFeaturesEpoch: image.offset,
        finalizedFeatures: [...finalized]
          .filter(([name, level]) => level > 0 || (name === TRANSACTION_VERSION && txns))
          .map(([name, level]) => ({ name, maxVersionLevel: level, minVersionLevel: level })),
        zkMigrationReady: false,
      };
    }
    return { errorCode: ErrorCode.NONE, apiKeys, throttleTimeMs: 0 };
  },
});
