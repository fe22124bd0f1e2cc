// The transaction coordinator as partition leaders reach it to verify (or, for transactions V2, add)
// the partitions of a transactional write: a local call when this node coordinates the id; otherwise
// AddPartitionsToTxn v4/v5 to the coordinator's node through `remote` (provided by the cluster wiring;
// without it, COORDINATOR_NOT_AVAILABLE, which the producer retries).
import type { MetadataImage } from '../../../metadata/image.js';
import type { TxnVerifier } from '../../replica/txn-verification.js';
import type { TxnCoordinator } from './coordinator.js';
import { tpKey } from './markers.js';
import { TRANSACTION_STATE_TOPIC } from './settings.js';

/** Asks node `coordinatorId` (the coordinator of the request's transactional id) to verify or add. */
export type RemoteTxnVerifier = (coordinatorId: number, req: VerifyRequest) => Promise<Map<string, number>>;
type VerifyRequest = Parameters<TxnVerifier['verify']>[0];

export function localTxnVerifier(
  txns: TxnCoordinator,
  nodeId: number,
  image: () => MetadataImage,
  remote?: RemoteTxnVerifier,
): TxnVerifier {
  return {
    async verify(req) {
      const partition = txns.partitionFor(req.transactionalId);
      const leader = image().topicsByName.get(TRANSACTION_STATE_TOPIC)?.partitions[partition]?.leader;
      if (leader !== nodeId && leader !== undefined && leader >= 0 && remote) return remote(leader, req);
      const addRequest = {
        transactionalId: req.transactionalId,
        producerId: req.producerId,
        producerEpoch: req.producerEpoch,
        partitions: req.partitions,
      };
      if (!req.add) return txns.verifyPartitions(addRequest);
      const errorCode = await txns.addPartitions(addRequest);
      const out = new Map<string, number>();
      for (const t of req.partitions) for (const p of t.partitions) out.set(tpKey(t.topic, p), errorCode);
      return out;
    },
  };
}
