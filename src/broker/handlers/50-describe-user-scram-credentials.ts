// DescribeUserScramCredentials, version 0 (KIP-554): the SCRAM mechanisms and iteration counts of the
// named users, or of every user for a null list; never a salt or key. Needs DESCRIBE on the cluster
// (else CLUSTER_AUTHORIZATION_FAILED for the whole request). An unknown user is RESOURCE_NOT_FOUND, a
// user named twice DUPLICATE_RESOURCE.
import { ErrorCode } from '../../protocol/errors.js';
import type {
  DescribeUserScramCredentialsRequest,
  DescribeUserScramCredentialsResponse,
} from '../../protocol/messages/index.js';
import { AclOperation, allowedOnCluster } from './authorize.js';
import { handler } from './handler.js';

export const describeUserScramCredentials = handler<
  DescribeUserScramCredentialsRequest,
  DescribeUserScramCredentialsResponse
>({
  apiKey: 50,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req) {
    if (!allowedOnCluster(ctx, AclOperation.DESCRIBE))
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
        errorMessage: null,
        results: [],
      };
    const scram = ctx.services.metadata().security.scram;
    const names = req.users === null ? [...scram.keys()].sort() : req.users.map((u) => u.name);
    const counts = new Map<string, number>();
    for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
    const results = [...counts].map(([user, count]) => {
      const credentials = scram.get(user);
      if (count > 1)
        return {
          user,
          errorCode: ErrorCode.DUPLICATE_RESOURCE,
          errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single request: ${user}`,
          credentialInfos: [],
        };
      if (!credentials)
        return {
          user,
          errorCode: ErrorCode.RESOURCE_NOT_FOUND,
          errorMessage: `Attempt to describe a user credential that does not exist: ${user}`,
          credentialInfos: [],
        };
      return {
        user,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        credentialInfos: [...credentials].map(([mechanism, c]) => ({ mechanism, iterations: c.iterations })),
      };
    });
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results };
  },
});
