// The controller's pure rules in src/metadata, one case at a time: Kafka's striped rack-aware placement,
// leader election from the ISR, broker registration, heartbeats and fencing, AlterPartition's fencing
// and error codes, and ElectLeaders' answers. (The simulator checks the same rules under faults.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alterPartition } from '../../src/metadata/alter-partition.js';
import { brokerHeartbeat, fenceBroker, registerBroker } from '../../src/metadata/brokers.js';
import { type ControllerContext, createTopics } from '../../src/metadata/controller.js';
import { electLeaders, PREFERRED, UNCLEAN } from '../../src/metadata/elect-leaders.js';
import { EMPTY_IMAGE, type MetadataImage, replay } from '../../src/metadata/image.js';
import { StripedPlacer } from '../../src/metadata/placement.js';
import { type MetadataRecord, record } from '../../src/metadata/records.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { SeededRng } from '../../src/raft/index.js';

const never = () => false;
let offset = 0;
let topicIds = 0;

function apply(image: MetadataImage, records: MetadataRecord[]): MetadataImage {
  offset += Math.max(1, records.length);
  return records.length === 0 ? image : replay(image, records, offset);
}

/** Unfenced brokers with these ids and racks, in an image with metadata.version set. */
function clusterOf(brokers: { id: number; rack?: string }[]): MetadataImage {
  return apply(EMPTY_IMAGE, [
    record('FeatureLevel', { name: 'metadata.version', featureLevel: 21 }),
    ...brokers.map((b) =>
      record('RegisterBroker', {
        brokerId: b.id,
        isMigratingZkBroker: false,
        incarnationId: `AAAAAAAAAAAAAAAAAAAA${String(b.id).padStart(2, '0')}`,
        brokerEpoch: b.id * 10,
        endPoints: [{ name: 'PLAINTEXT', host: 'localhost', port: 9000 + b.id, securityProtocol: 0 }],
        features: [],
        rack: b.rack ?? null,
        fenced: false,
        inControlledShutdown: false,
        logDirs: [],
      }),
    ),
  ]);
}

/** A BrokerRegistration request of broker `brokerId` with one PLAINTEXT listener. */
function registration(brokerId: number, incarnationId: string) {
  return {
    brokerId,
    clusterId: 'c',
    incarnationId,
    listeners: [{ name: 'PLAINTEXT', host: 'h', port: 1, securityProtocol: 0 }],
    features: [{ name: 'metadata.version', minSupportedVersion: 7, maxSupportedVersion: 25 }],
    rack: null,
    logDirs: [],
  };
}

function ctx(image: MetadataImage, seed = 1): ControllerContext {
  const rng = new SeededRng(seed);
  return {
    image,
    defaultPartitions: 1,
    defaultReplicationFactor: 1,
    deleteTopicEnable: true,
    validateTopicConfigs: () => null,
    randomUuid: () => `TOPIC${String(topicIds++).padStart(17, '0')}`,
    randomInt: (bound) => rng.nextInt(bound),
  };
}

function create(image: MetadataImage, name: string, partitions: number, rf: number): MetadataImage {
  const out = createTopics(ctx(image), [
    { name, numPartitions: partitions, replicationFactor: rf, assignments: [], configs: [] },
  ]);
  assert.equal(out.results[0].errorCode, 0, out.results[0].errorMessage ?? '');
  return apply(image, out.records);
}

test('placement: replicas of a partition are on distinct racks; leaders spread evenly over brokers and racks', () => {
  const brokers = [1, 2, 3, 4, 5, 6].map((id) => ({ id, rack: `r${id % 3}`, fenced: false }));
  const placer = new StripedPlacer(brokers, (b) => new SeededRng(7).nextInt(b));
  const placed = placer.place(60, 3);
  assert.ok(placed.ok);
  const rackOf = (id: number) => `r${id % 3}`;
  const leaders = new Map<number, number>();
  for (const replicas of placed.assignment) {
    assert.equal(new Set(replicas).size, 3);
    assert.equal(new Set(replicas.map(rackOf)).size, 3, `replicas ${replicas} share a rack`);
    leaders.set(replicas[0], (leaders.get(replicas[0]) ?? 0) + 1);
  }
  assert.deepEqual([...leaders.values()], [10, 10, 10, 10, 10, 10]);
});

test('placement: a replication factor above the brokers is INVALID_REPLICATION_FACTOR, as Kafka says it', () => {
  const image = clusterOf([{ id: 1 }, { id: 2 }]);
  const out = createTopics(ctx(image), [
    { name: 't', numPartitions: 1, replicationFactor: 3, assignments: [], configs: [] },
  ]);
  assert.equal(out.results[0].errorCode, ErrorCode.INVALID_REPLICATION_FACTOR);
  assert.equal(
    out.results[0].errorMessage,
    'Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be reached because only 2 broker(s) are registered.',
  );
  assert.deepEqual(out.records, []);
});

test('fencing a broker moves its leaderships to the next live ISR member; the last ISR member is kept', () => {
  let image = clusterOf([{ id: 1 }, { id: 2 }, { id: 3 }]);
  image = create(image, 'spread', 6, 3);
  image = create(image, 'single', 3, 1);
  const ledBy1 = (img: MetadataImage, t: string) =>
    (img.topicsByName.get(t)?.partitions ?? []).filter((p) => p.replicas[0] === 1);
  assert.ok(ledBy1(image, 'spread').length > 0 && ledBy1(image, 'single').length > 0);
  const after = apply(image, fenceBroker(image, 1, never));
  assert.equal(after.brokers.get(1)?.fenced, true);
  for (const p of ledBy1(after, 'spread')) {
    assert.equal(p.leader, p.replicas[1], 'the next replica in assignment order leads');
    assert.ok(!p.isr.includes(1));
    assert.equal(p.leaderEpoch, 1);
  }
  for (const p of ledBy1(after, 'single')) {
    assert.equal(p.leader, -1);
    assert.deepEqual(p.isr, [1], 'the ISR is never empty');
  }
});

test('registration: a new broker starts fenced, is unfenced once caught up, and a second incarnation is refused', () => {
  let image = clusterOf([]);
  const req = registration(7, 'BBBBBBBBBBBBBBBBBBBBBB');
  const reg = registerBroker(image, req, {
    clusterId: 'c',
    nextOffset: 100,
    hasValidSession: () => false,
    unclean: never,
  });
  assert.equal(reg.errorCode, 0);
  assert.equal(reg.brokerEpoch, 100);
  image = apply(image, reg.records);
  assert.equal(image.brokers.get(7)?.fenced, true);
  const behind = brokerHeartbeat(
    image,
    { brokerId: 7, brokerEpoch: 100, currentMetadataOffset: 50, wantFence: false, wantShutDown: false },
    never,
  );
  assert.equal(behind.isFenced, true);
  assert.equal(behind.isCaughtUp, false);
  const caught = brokerHeartbeat(
    image,
    { brokerId: 7, brokerEpoch: 100, currentMetadataOffset: 100, wantFence: false, wantShutDown: false },
    never,
  );
  assert.equal(caught.isFenced, false);
  image = apply(image, caught.records);
  assert.equal(image.brokers.get(7)?.fenced, false);
  const other = registerBroker(
    image,
    { ...req, incarnationId: 'CCCCCCCCCCCCCCCCCCCCCC' },
    { clusterId: 'c', nextOffset: 200, hasValidSession: () => true, unclean: never },
  );
  assert.equal(other.errorCode, ErrorCode.DUPLICATE_BROKER_REGISTRATION);
  const stale = brokerHeartbeat(
    image,
    { brokerId: 7, brokerEpoch: 99, currentMetadataOffset: 100, wantFence: false, wantShutDown: false },
    never,
  );
  assert.equal(stale.errorCode, ErrorCode.STALE_BROKER_EPOCH);
  const foreign = registerBroker(
    image,
    { ...req, clusterId: 'x' },
    { clusterId: 'c', nextOffset: 200, hasValidSession: () => false, unclean: never },
  );
  assert.equal(foreign.errorCode, ErrorCode.INCONSISTENT_CLUSTER_ID);
});

// Driver simulation seeds 69, 253, 412, ...: a broker whose answers came after its request timeout sent
// its registration again, and a fenced broker kept asking to shut down; each retry wrote a record, so each
// cost a commit, the controller's queue outgrew the brokers' timeout and they stayed fenced for good.
test('retries: a registration resent by the same incarnation and a fenced broker asking to shut down write nothing', () => {
  let image = clusterOf([]);
  const req = registration(8, 'DDDDDDDDDDDDDDDDDDDDDD');
  const context = (nextOffset: number) => ({
    clusterId: 'c',
    nextOffset,
    hasValidSession: () => false,
    unclean: never,
  });
  const first = registerBroker(image, req, context(100));
  image = apply(image, first.records);
  const again = registerBroker(image, req, context(300));
  assert.equal(again.errorCode, 0);
  assert.equal(again.brokerEpoch, first.brokerEpoch, 'the same incarnation keeps its epoch');
  assert.deepEqual(again.records, [], 'nothing changed, nothing to write');
  // The same incarnation with another listener is a real amendment: written, epoch kept.
  const moved = registerBroker(
    image,
    { ...req, listeners: [{ name: 'PLAINTEXT', host: 'h', port: 2, securityProtocol: 0 }] },
    context(300),
  );
  assert.equal(moved.brokerEpoch, first.brokerEpoch);
  assert.equal(moved.records.length, 1);
  // Still fenced (never caught up), it asks to shut down: it may go now, and nothing is written.
  const shut = brokerHeartbeat(
    image,
    {
      brokerId: 8,
      brokerEpoch: first.brokerEpoch,
      currentMetadataOffset: 0,
      wantFence: false,
      wantShutDown: true,
    },
    never,
  );
  assert.equal(shut.errorCode, 0);
  assert.equal(shut.shouldShutDown, true);
  assert.deepEqual(shut.records, []);
});

test('controlled shutdown: leaderships move first, then ShouldShutDown', () => {
  let image = clusterOf([{ id: 1 }, { id: 2 }]);
  image = create(image, 't', 4, 2);
  const hb = (img: MetadataImage) =>
    brokerHeartbeat(
      img,
      { brokerId: 1, brokerEpoch: 10, currentMetadataOffset: 1000, wantFence: false, wantShutDown: true },
      never,
    );
  const first = hb(image);
  assert.equal(first.inControlledShutdown, true);
  assert.equal(first.shouldShutDown, false);
  image = apply(image, first.records);
  assert.ok(image.topicsByName.get('t')?.partitions.every((p) => p.leader === 2 && !p.isr.includes(1)));
  const second = hb(image);
  assert.equal(second.shouldShutDown, true);
});

function alter(
  image: MetadataImage,
  leaderEpoch: number,
  partitionEpoch: number,
  isr: number[],
  version = 3,
  brokerEpoch = 10,
) {
  const t = image.topicsByName.get('t');
  if (!t) throw new Error('no topic');
  return alterPartition(
    image,
    {
      brokerId: 1,
      brokerEpoch,
      version,
      topics: [
        {
          topicId: t.id,
          topicName: t.name,
          partitions: [
            {
              partitionIndex: 0,
              leaderEpoch,
              partitionEpoch,
              newIsr: isr.map((brokerId) => ({
                brokerId,
                brokerEpoch: image.brokers.get(brokerId)?.epoch ?? -1,
              })),
              leaderRecoveryState: 0,
            },
          ],
        },
      ],
    },
    never,
  );
}

test('AlterPartition: the leader shrinks and expands its ISR; stale epochs and ineligible replicas are refused with Kafka codes', () => {
  let image = clusterOf([{ id: 1 }, { id: 2 }, { id: 3 }]);
  const out = createTopics(ctx(image), [
    {
      name: 't',
      numPartitions: -1,
      replicationFactor: -1,
      assignments: [{ partitionIndex: 0, brokerIds: [1, 2, 3] }],
      configs: [],
    },
  ]);
  image = apply(image, out.records);
  const shrink = alter(image, 0, 0, [1, 2]);
  assert.equal(shrink.errorCode, 0);
  assert.deepEqual(shrink.topics[0].partitions[0], {
    partitionIndex: 0,
    errorCode: 0,
    leaderId: 1,
    leaderEpoch: 0,
    isr: [1, 2],
    leaderRecoveryState: 0,
    partitionEpoch: 1,
  });
  image = apply(image, shrink.records);
  assert.deepEqual(image.topicsByName.get('t')?.partitions[0].isr, [1, 2]);
  const code = (o: ReturnType<typeof alter>) => o.topics[0]?.partitions[0]?.errorCode;
  assert.equal(code(alter(image, 0, 0, [1])), ErrorCode.INVALID_UPDATE_VERSION, 'an older partition epoch');
  assert.equal(
    code(alter(image, 1, 1, [1])),
    ErrorCode.NOT_CONTROLLER,
    'a newer leader epoch than the controller knows',
  );
  assert.equal(alter(image, 0, 1, [1], 3, 9).errorCode, ErrorCode.STALE_BROKER_EPOCH);
  // Broker 3 fenced: it may not join the ISR.
  const fenced = apply(image, [
    record('BrokerRegistrationChange', { brokerId: 3, brokerEpoch: 30, fenced: 1 }),
  ]);
  assert.equal(code(alter(fenced, 0, 1, [1, 2, 3])), ErrorCode.INELIGIBLE_REPLICA);
  assert.equal(code(alter(fenced, 0, 1, [1, 2, 3], 1)), ErrorCode.OPERATION_NOT_ATTEMPTED);
  const expand = alter(image, 0, 1, [1, 2, 3]);
  assert.equal(code(expand), 0);
  image = apply(image, expand.records);
  // A new leader (1 fenced): the old leader's request is fenced by its leader epoch.
  image = apply(image, fenceBroker(image, 1, never));
  const p = image.topicsByName.get('t')?.partitions[0];
  assert.equal(p?.leader, 2);
  assert.equal(code(alter(image, 0, 2, [1, 2, 3])), ErrorCode.FENCED_LEADER_EPOCH);
});

test('ElectLeaders: preferred moves leadership back, or says why not; unclean only for a leaderless partition', () => {
  let image = clusterOf([{ id: 1 }, { id: 2 }]);
  const out = createTopics(ctx(image), [
    {
      name: 't',
      numPartitions: -1,
      replicationFactor: -1,
      assignments: [{ partitionIndex: 0, brokerIds: [1, 2] }],
      configs: [],
    },
  ]);
  image = apply(image, out.records);
  const codeOf = (img: MetadataImage, type: number) =>
    electLeaders(img, type, [{ topic: 't', partitions: [0] }]).results[0].partitionResult[0].errorCode;
  assert.equal(codeOf(image, PREFERRED), ErrorCode.ELECTION_NOT_NEEDED);
  image = apply(image, fenceBroker(image, 1, never));
  assert.equal(image.topicsByName.get('t')?.partitions[0].leader, 2);
  assert.equal(
    codeOf(image, PREFERRED),
    ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE,
    'broker 1 is fenced and out of the ISR',
  );
  assert.equal(codeOf(image, UNCLEAN), ErrorCode.ELECTION_NOT_NEEDED, 'the partition has a leader');
  const unknown = electLeaders(image, PREFERRED, [{ topic: 'nope', partitions: [0] }]);
  assert.equal(unknown.results[0].partitionResult[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
});
