// Every handler the controller listener serves (Kafka's ControllerApis): the Raft requests, broker
// registration and heartbeats, AlterPartition, the admin requests brokers forward (directly or in an
// Envelope: ACLs, client quotas, SCRAM credentials too), the quorum's own description, and SASL for
// a SASL controller listener. The ApiVersions answer is computed from this list.
import { fetchRaft } from './01-fetch-raft.js';
import { saslHandshake } from './17-sasl-handshake.js';
import { apiVersions } from './18-api-versions.js';
import { createTopics } from './19-create-topics.js';
import { deleteTopics } from './20-delete-topics.js';
import { describeAcls } from './29-describe-acls.js';
import { createAclsHandler } from './30-create-acls.js';
import { deleteAclsHandler } from './31-delete-acls.js';
import { describeConfigs } from './32-describe-configs.js';
import { alterConfigs } from './33-alter-configs.js';
import { saslAuthenticate } from './36-sasl-authenticate.js';
import { createPartitions } from './37-create-partitions.js';
import { electLeaders } from './43-elect-leaders.js';
import { incrementalAlterConfigs } from './44-incremental-alter-configs.js';
import { alterPartitionReassignmentsHandler } from './45-alter-partition-reassignments.js';
import { listPartitionReassignmentsHandler } from './46-list-partition-reassignments.js';
import { alterClientQuotasHandler } from './49-alter-client-quotas.js';
import { alterUserScramCredentials } from './51-alter-user-scram-credentials.js';
import { vote } from './52-vote.js';
import { beginQuorumEpoch } from './53-begin-quorum-epoch.js';
import { endQuorumEpoch } from './54-end-quorum-epoch.js';
import { describeQuorum } from './55-describe-quorum.js';
import { alterPartition } from './56-alter-partition.js';
import { updateFeatures } from './57-update-features.js';
import { envelope } from './58-envelope.js';
import { fetchSnapshot } from './59-fetch-snapshot.js';
import { describeCluster } from './60-describe-cluster.js';
import { brokerRegistration } from './62-broker-registration.js';
import { brokerHeartbeat } from './63-broker-heartbeat.js';
import { unregisterBroker } from './64-unregister-broker.js';
import { allocateProducerIds } from './67-allocate-producer-ids.js';
import { controllerRegistration } from './70-controller-registration.js';
import { addRaftVoter } from './80-add-raft-voter.js';
import { removeRaftVoter } from './81-remove-raft-voter.js';
import { updateRaftVoter } from './82-update-raft-voter.js';
import type { Handler } from './handler.js';
import type { ControllerServices } from './services.js';

export const CONTROLLER_HANDLERS: readonly Handler<unknown, unknown, ControllerServices>[] = [
  fetchRaft,
  saslHandshake,
  apiVersions,
  createTopics,
  deleteTopics,
  describeAcls,
  createAclsHandler,
  deleteAclsHandler,
  describeConfigs,
  alterConfigs,
  saslAuthenticate,
  createPartitions,
  electLeaders,
  incrementalAlterConfigs,
  alterPartitionReassignmentsHandler,
  listPartitionReassignmentsHandler,
  alterClientQuotasHandler,
  alterUserScramCredentials,
  vote,
  beginQuorumEpoch,
  endQuorumEpoch,
  describeQuorum,
  alterPartition,
  updateFeatures,
  envelope,
  fetchSnapshot,
  describeCluster,
  brokerRegistration,
  brokerHeartbeat,
  unregisterBroker,
  allocateProducerIds,
  controllerRegistration,
  addRaftVoter,
  removeRaftVoter,
  updateRaftVoter,
] as Handler<unknown, unknown, ControllerServices>[];
