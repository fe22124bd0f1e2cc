// The records that rebuild an image from nothing: what a metadata snapshot holds. Replaying them on
// an empty image gives back the same image (brokers, controllers, topics, partitions, configs,
// features, the producer id block, SCRAM credentials, ACLs and client quotas), so a snapshot can replace the log prefix it covers.
import type { MetadataImage } from './image.js';
import { type MetadataRecord, record } from './records.js';
import { securityRecords } from './security-image.js';

export function imageRecords(image: MetadataImage): MetadataRecord[] {
  const out: MetadataRecord[] = [];
  for (const [name, featureLevel] of image.features) out.push(record('FeatureLevel', { name, featureLevel }));
  for (const b of image.brokers.values()) {
    out.push(
      record('RegisterBroker', {
        brokerId: b.id,
        isMigratingZkBroker: false,
        incarnationId: b.incarnationId,
        brokerEpoch: b.epoch,
        endPoints: b.endpoints.map((e) => ({ ...e })),
        features: b.features.map((f) => ({ ...f })),
        rack: b.rack,
        fenced: b.fenced,
        inControlledShutdown: b.inControlledShutdown,
        logDirs: [...b.logDirs],
      }),
    );
  }
  for (const c of image.controllers.values()) {
    out.push(
      record('RegisterController', {
        controllerId: c.id,
        incarnationId: c.incarnationId,
        zkMigrationReady: false,
        endPoints: c.endpoints.map((e) => ({ ...e })),
        features: [],
      }),
    );
  }
  for (const t of image.topicsById.values()) {
    out.push(record('Topic', { name: t.name, topicId: t.id }));
    for (const p of t.partitions) {
      if (!p) continue;
      out.push(
        record('Partition', {
          partitionId: p.partition,
          topicId: t.id,
          replicas: [...p.replicas],
          isr: [...p.isr],
          removingReplicas: [...(p.removingReplicas ?? [])],
          addingReplicas: [...(p.addingReplicas ?? [])],
          leader: p.leader,
          leaderRecoveryState: p.leaderRecoveryState ?? 0,
          leaderEpoch: p.leaderEpoch,
          partitionEpoch: p.partitionEpoch,
        }),
      );
    }
  }
  for (const [key, values] of image.configs) {
    const colon = key.indexOf(':');
    const resourceType = Number(key.slice(0, colon));
    const resourceName = key.slice(colon + 1);
    for (const [name, value] of values)
      out.push(record('Config', { resourceType, resourceName, name, value }));
  }
  if (image.nextProducerId > 0)
    out.push(record('ProducerIds', { brokerId: -1, brokerEpoch: -1, nextProducerId: image.nextProducerId }));
  out.push(...securityRecords(image.security));
  return out;
}
