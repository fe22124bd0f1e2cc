// MirrorMaker's MirrorHeartbeatConnector: every emit.heartbeats.interval.seconds, a heartbeat
// {source alias, target alias, now} into the target's `heartbeats` topic (one partition, compacted).
// Flows replicate `heartbeats` like any topic (heartbeats.replication.enabled), so `A.heartbeats` on
// B shows, record by record, that A->B is flowing and how late.
import type { Admin, Producer } from '../client/index.js';
import type { FlowConfig } from './config.js';
import { encodeHeartbeat } from './formats.js';
import type { MirrorLogger } from './logger.js';
import { HEARTBEATS_TOPIC } from './policy.js';
import { ensureInternalTopic } from './topics-admin.js';

export class HeartbeatEmitter {
  lastSentMs = -1;

  constructor(
    private readonly flow: FlowConfig,
    private readonly targetAdmin: Admin,
    private readonly producer: Producer,
    private readonly log: MirrorLogger,
  ) {}

  async start(): Promise<void> {
    await ensureInternalTopic(
      this.targetAdmin,
      HEARTBEATS_TOPIC,
      this.flow.heartbeatsTopicReplicationFactor,
      this.log,
      this.flow.target,
    );
  }

  async beat(): Promise<void> {
    const timestamp = Date.now();
    const { key, value } = encodeHeartbeat({
      sourceClusterAlias: this.flow.source,
      targetClusterAlias: this.flow.target,
      timestamp,
    });
    await this.producer.send({ topic: HEARTBEATS_TOPIC, partition: 0, key, value, timestamp });
    this.lastSentMs = timestamp;
  }
}
