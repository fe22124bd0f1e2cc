// UpdateFeatures, versions 0-2 (kafka-features.sh upgrade/downgrade): sets finalized feature levels
// (FeatureLevelRecord) within what this release supports. A downgrade needs allowDowngrade (v0) or
// upgradeType 2/3 (v1+); metadata.version is never downgraded (as in Kafka 4.0). Brokers forward it.
import { METADATA_VERSION, supportedFeature } from '../../metadata/features.js';
import { type MetadataRecord, record } from '../../metadata/records.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { UpdateFeaturesRequest, UpdateFeaturesResponse } from '../../protocol/messages/index.js';
import { AclOperation, clusterDenied } from './authorize.js';
import { handler } from './handler.js';
import type { CommonServices } from './services.js';

const UPGRADE = 1;

export const updateFeatures = handler<UpdateFeaturesRequest, UpdateFeaturesResponse, CommonServices>({
  apiKey: 57,
  minVersion: 0,
  maxVersion: 2,
  forwardable: true,
  async handle(ctx, req) {
    const denied = clusterDenied<UpdateFeaturesResponse>(ctx, AclOperation.ALTER, req);
    if (denied) return denied;
    type Result = { feature: string; errorCode: number; errorMessage: string | null };
    const results = await ctx.services.controller.apply<Result[]>(
      (image) => {
        const records: MetadataRecord[] = [];
        const out = req.featureUpdates.map((u) => {
          const problem = featureProblem(image.features.get(u.feature) ?? 0, u, ctx.version);
          if (problem)
            return { feature: u.feature, errorCode: ErrorCode.INVALID_UPDATE_VERSION, errorMessage: problem };
          if (!req.validateOnly)
            records.push(record('FeatureLevel', { name: u.feature, featureLevel: u.maxVersionLevel }));
          return { feature: u.feature, errorCode: ErrorCode.NONE, errorMessage: null };
        });
        // Kafka applies all updates or none.
        return { records: out.every((r) => r.errorCode === ErrorCode.NONE) ? records : [], result: out };
      },
      () =>
        req.featureUpdates.map((u) => ({
          feature: u.feature,
          errorCode: ErrorCode.NOT_CONTROLLER,
          errorMessage: null,
        })),
    );
    const failed = results.find((r) => r.errorCode !== ErrorCode.NONE);
    return {
      throttleTimeMs: 0,
      errorCode: failed && failed.errorCode === ErrorCode.NOT_CONTROLLER ? failed.errorCode : ErrorCode.NONE,
      errorMessage: null,
      results,
    };
  },
});

function featureProblem(
  current: number,
  u: { feature: string; maxVersionLevel: number; allowDowngrade?: boolean; upgradeType?: number },
  version: number,
): string | null {
  const f = supportedFeature(u.feature);
  if (!f)
    return `Invalid update version ${u.maxVersionLevel} for feature ${u.feature}. The controller does not support the given feature.`;
  if (u.maxVersionLevel < f.minVersion || u.maxVersionLevel > f.maxVersion)
    return `Invalid update version ${u.maxVersionLevel} for feature ${u.feature}. Local controller supports versions ${f.minVersion}-${f.maxVersion}.`;
  const downgrade = u.maxVersionLevel < current;
  const allowed = version === 0 ? u.allowDowngrade === true : (u.upgradeType ?? UPGRADE) !== UPGRADE;
  if (downgrade && !allowed)
    return `Invalid update version ${u.maxVersionLevel} for feature ${u.feature}. Can't downgrade the version of this feature without setting the upgrade type to either safe or unsafe downgrade.`;
  if (downgrade && u.feature === METADATA_VERSION)
    return `Invalid metadata.version ${u.maxVersionLevel}. Unable to set a metadata.version less than the current one.`;
  return null;
}
