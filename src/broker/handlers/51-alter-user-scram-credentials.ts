// AlterUserScramCredentials, version 0 (KIP-554): creates, replaces and deletes SCRAM credentials. The
// client sends the salt and the salted password; StoredKey and ServerKey are derived here and only they
// are stored (UserScramCredentialRecord in the metadata log). Needs ALTER on the cluster (else every
// user gets CLUSTER_AUTHORIZATION_FAILED). Iterations 4096-16384, as Kafka accepts.
import { alterScramCredentials } from '../../metadata/security-control.js';
import { ErrorCode } from '../../protocol/errors.js';
import type {
  AlterUserScramCredentialsRequest,
  AlterUserScramCredentialsResponse,
} from '../../protocol/messages/index.js';
import { AclOperation, allowedOnCluster } from './authorize.js';
import { handler } from './handler.js';
import type { CommonServices } from './services.js';

export const alterUserScramCredentials = handler<
  AlterUserScramCredentialsRequest,
  AlterUserScramCredentialsResponse,
  CommonServices
>({
  apiKey: 51,
  minVersion: 0,
  maxVersion: 0,
  forwardable: true,
  handle(ctx, req) {
    if (!allowedOnCluster(ctx, AclOperation.ALTER)) {
      const users = [...new Set([...req.deletions, ...req.upsertions].map((a) => a.name))];
      return {
        throttleTimeMs: 0,
        results: users.map((user) => ({
          user,
          errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
          errorMessage: null,
        })),
      };
    }
    return ctx.services.controller
      .apply(
        (image) => {
          const { records, results } = alterScramCredentials(image, req.deletions, req.upsertions);
          return { records, result: results };
        },
        () =>
          [...new Set([...req.deletions, ...req.upsertions].map((a) => a.name))].map((user) => ({
            user,
            errorCode: ErrorCode.NOT_CONTROLLER,
            errorMessage: null,
          })),
      )
      .then((results) => ({ throttleTimeMs: 0, results }));
  },
});
