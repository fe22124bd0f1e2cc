// Every handler this broker serves. The ApiVersions answer is computed from this list.

import { metadata } from './03-metadata.js';
import { apiVersions } from './18-api-versions.js';
import { createTopics } from './19-create-topics.js';
import { deleteTopics } from './20-delete-topics.js';
import { initProducerId } from './22-init-producer-id.js';
import { describeConfigs } from './32-describe-configs.js';
import { alterConfigs } from './33-alter-configs.js';
import { createPartitions } from './37-create-partitions.js';
import { incrementalAlterConfigs } from './44-incremental-alter-configs.js';
import { describeCluster } from './60-describe-cluster.js';
import { describeTopicPartitions } from './75-describe-topic-partitions.js';
import type { Handler } from './handler.js';

export const HANDLERS: readonly Handler[] = [
  metadata,
  apiVersions,
  createTopics,
  deleteTopics,
  createPartitions,
] as Handler[];
