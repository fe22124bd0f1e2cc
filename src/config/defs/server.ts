// Broker keys: node identity and roles, listeners and sockets, replication, the KRaft quorum, and
// Samsa's own keys. Names, types, defaults and ranges are Kafka's (3.9 and 4.0); the texts are ours.

import { LOG_COMPONENTS, parseLogLevels } from '../log-level.js';
import type { ConfigDefinition, ConfigValue } from '../types.js';
import {
  COMPRESSION_TYPES,
  checkHostPorts,
  def,
  GZIP_LEVEL,
  INT_MAX,
  LONG_MAX,
  METADATA_VERSION,
  SECURITY_PROTOCOLS,
} from './define.js';

const VOTER_ENTRY = /^(\d+)@\[?([0-9a-zA-Z\-%._:]*)\]?:(\d+)$/;

/** The replica selectors Kafka ships (replica.selector.class), built into Samsa. */
export const REPLICA_SELECTORS = [
  'org.apache.kafka.common.replica.RackAwareReplicaSelector',
  'org.apache.kafka.common.replica.LeaderSelector',
];

function checkVoters(value: ConfigValue): string | null {
  for (const entry of value as readonly string[]) {
    if (!VOTER_ENTRY.test(entry)) return `entry '${entry}' should be in the form {id}@{host}:{port}`;
  }
  return null;
}

const NODE: ConfigDefinition[] = [
  def('node.id', 'int', '-1', {
    doc: "This node's id in the cluster, for both its broker and controller roles. Required in KRaft mode.",
    imp: 'high',
    impl: true,
  }),
  def('broker.id', 'int', '-1', {
    doc: 'Older name of node.id; when only one of the two is set, the other takes its value.',
    imp: 'high',
    impl: true,
  }),
  def('process.roles', 'list', '', {
    doc: 'What this node does: broker, controller, or both (a combined node). Samsa runs a standalone combined node when it is not set.',
    imp: 'high',
    impl: true,
    listOf: ['broker', 'controller'],
    note: 'Kafka 4.0 requires it; Samsa treats an empty value as a single combined node with an in-process quorum.',
  }),
  def('broker.rack', 'string', null, {
    doc: 'Rack or zone label of this broker, reported to clients in Metadata.',
    impl: true,
  }),
  def('broker.id.generation.enable', 'boolean', 'true', {
    doc: 'ZooKeeper mode: let the cluster pick a broker id when none is configured.',
    note: 'ZooKeeper only.',
  }),
  def('reserved.broker.max.id', 'int', '1000', {
    doc: 'ZooKeeper mode: the highest id users may give a broker; generated ids start above it.',
    min: 0,
  }),
  def('delete.topic.enable', 'boolean', 'true', {
    doc: 'Allow topics to be deleted; when false, DeleteTopics answers TOPIC_DELETION_DISABLED.',
    imp: 'high',
    impl: true,
  }),
  def('message.max.bytes', 'int', '1048588', {
    doc: 'Largest record batch (after compression) the broker accepts; topics override it with max.message.bytes.',
    imp: 'high',
    impl: true,
    dyn: 'cluster',
    min: 0,
  }),
  def('compression.type', 'string', 'producer', {
    doc: 'Codec topics store batches with: producer keeps what the producer sent, uncompressed stores them plain.',
    imp: 'high',
    impl: true,
    dyn: 'cluster',
    oneOf: COMPRESSION_TYPES,
  }),
  def('compression.gzip.level', 'int', '-1', {
    doc: 'gzip level used when the broker compresses with gzip.',
    impl: true,
    dyn: 'cluster',
    check: GZIP_LEVEL,
  }),
  def('compression.lz4.level', 'int', '9', {
    doc: 'lz4 level used when the broker compresses with lz4.',
    dyn: 'cluster',
    min: 1,
    max: 17,
  }),
  def('compression.zstd.level', 'int', '3', {
    doc: 'zstd level used when the broker compresses with zstd.',
    impl: true,
    dyn: 'cluster',
    min: -131072,
    max: 22,
  }),
  def('num.io.threads', 'int', '8', {
    doc: 'Request handler threads.',
    imp: 'high',
    dyn: 'cluster',
    min: 1,
    note: 'Node.js runs handlers on one event loop.',
  }),
  def('background.threads', 'int', '10', {
    doc: 'Threads for background housekeeping.',
    imp: 'high',
    dyn: 'cluster',
    min: 1,
  }),
  def('num.replica.alter.log.dirs.threads', 'int', null, {
    doc: 'Threads that move replicas between log directories.',
    imp: 'high',
  }),
  def('request.timeout.ms', 'int', '30000', {
    doc: 'How long the broker waits for answers to requests it sends itself.',
    imp: 'high',
  }),
  def('socket.connection.setup.timeout.ms', 'long', '10000', {
    doc: "First timeout for the broker's own outgoing connections.",
  }),
  def('socket.connection.setup.timeout.max.ms', 'long', '30000', {
    doc: "Longest timeout for the broker's own outgoing connections after retries.",
  }),
  def('authorizer.class.name', 'string', '', {
    impl: true,
    doc: 'Authorizer plugin class; empty means no authorization. KRaft clusters use the StandardAuthorizer.',
    imp: 'low',
  }),
  def('early.start.listeners', 'string', null, {
    doc: 'Listeners that may start before the authorizer is ready.',
    imp: 'high',
  }),
  def('controlled.shutdown.enable', 'boolean', 'true', { doc: 'Move leadership away before shutting down.' }),
  def('controlled.shutdown.max.retries', 'int', '3', {
    doc: 'ZooKeeper mode: attempts at a controlled shutdown.',
  }),
  def('controlled.shutdown.retry.backoff.ms', 'long', '5000', {
    doc: 'ZooKeeper mode: pause between controlled shutdown attempts.',
  }),
  def('max.incremental.fetch.session.cache.slots', 'int', '1000', {
    doc: 'How many incremental fetch sessions the broker keeps.',
    impl: true,
    min: 0,
  }),
  def('fetch.max.bytes', 'int', '57671680', {
    doc: 'Most bytes returned for one Fetch request.',
    impl: true,
    min: 1024,
  }),
  def('max.request.partition.size.limit', 'int', '2000', {
    doc: 'Most partitions served in one request.',
    min: 1,
  }),
  def('unstable.api.versions.enable', 'boolean', 'false', {
    doc: 'Advertise API versions that are still in development.',
    imp: 'high',
    internal: true,
  }),
  def('unstable.feature.versions.enable', 'boolean', 'false', {
    doc: 'Allow feature levels that are still in development.',
    imp: 'high',
    internal: true,
  }),
];

const SOCKETS: ConfigDefinition[] = [
  def('listeners', 'string', 'PLAINTEXT://:9092', {
    doc: 'Where the node accepts connections: comma-separated NAME://host:port; an empty host binds every interface.',
    imp: 'high',
    impl: true,
    dyn: 'broker',
  }),
  def('advertised.listeners', 'string', null, {
    doc: 'Addresses given to clients in Metadata, per listener name; listeners are used when it is not set.',
    imp: 'high',
    impl: true,
    dyn: 'broker',
  }),
  def(
    'listener.security.protocol.map',
    'string',
    'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
    {
      doc: 'Security protocol of each listener name, as NAME:PROTOCOL pairs.',
      imp: 'low',
      impl: true,
      dyn: 'broker',
    },
  ),
  def('control.plane.listener.name', 'string', null, {
    doc: 'ZooKeeper mode: a listener reserved for controller traffic.',
    imp: 'high',
  }),
  def('socket.send.buffer.bytes', 'int', '102400', {
    doc: 'SO_SNDBUF of accepted sockets; -1 keeps the OS default.',
    imp: 'high',
  }),
  def('socket.receive.buffer.bytes', 'int', '102400', {
    doc: 'SO_RCVBUF of accepted sockets; -1 keeps the OS default.',
    imp: 'high',
  }),
  def('socket.request.max.bytes', 'int', '104857600', {
    doc: 'Largest request frame accepted; a bigger size prefix closes the connection before anything is allocated.',
    imp: 'high',
    impl: true,
    min: 1,
  }),
  def('socket.listen.backlog.size', 'int', '50', {
    doc: 'Backlog of pending connections on each listening socket.',
    impl: true,
    min: 1,
  }),
  def('max.connections.per.ip', 'int', INT_MAX, {
    doc: 'Most connections from one IP address.',
    dyn: 'cluster',
    min: 0,
  }),
  def('max.connections.per.ip.overrides', 'string', '', {
    doc: 'Per-host or per-IP limits, as host:count pairs.',
    dyn: 'cluster',
  }),
  def('max.connections', 'int', INT_MAX, {
    doc: 'Most open connections to the broker.',
    impl: true,
    dyn: 'cluster',
    min: 0,
  }),
  def('max.connection.creation.rate', 'int', INT_MAX, {
    doc: 'Most new connections per second.',
    dyn: 'cluster',
    min: 0,
  }),
  def('connections.max.idle.ms', 'long', '600000', {
    doc: 'Close connections idle for this long.',
    impl: true,
  }),
  def('connection.failed.authentication.delay.ms', 'int', '100', {
    doc: 'Delay before closing a connection whose authentication failed.',
    imp: 'low',
    min: 0,
  }),
  def('queued.max.requests', 'int', '500', {
    doc: 'Requests queued for handlers before the network stops reading.',
    imp: 'high',
    min: 1,
  }),
  def('queued.max.request.bytes', 'long', '-1', {
    doc: 'Bytes of queued requests before the network stops reading; -1 for no limit.',
  }),
  def('num.network.threads', 'int', '3', {
    doc: 'Threads that read and write sockets.',
    imp: 'high',
    dyn: 'cluster',
    min: 1,
  }),
];

const REPLICATION: ConfigDefinition[] = [
  def('default.replication.factor', 'int', '1', {
    doc: 'Replicas of auto-created topics and of topics created without a count.',
    impl: true,
  }),
  def('controller.socket.timeout.ms', 'int', '30000', {
    doc: 'Socket timeout of controller-to-broker channels.',
  }),
  def('replica.lag.time.max.ms', 'long', '30000', {
    doc: 'A follower that has not caught up for this long leaves the ISR.',
    imp: 'high',
  }),
  def('replica.socket.timeout.ms', 'int', '30000', {
    doc: 'Socket timeout of follower fetches.',
    imp: 'high',
  }),
  def('replica.socket.receive.buffer.bytes', 'int', '65536', {
    doc: 'Receive buffer of follower fetch connections.',
    imp: 'high',
  }),
  def('replica.fetch.max.bytes', 'int', '1048576', {
    doc: 'Bytes a follower asks for per partition.',
    min: 0,
  }),
  def('replica.fetch.wait.max.ms', 'int', '500', {
    doc: 'How long a follower fetch may wait for data.',
    imp: 'high',
  }),
  def('replica.fetch.backoff.ms', 'int', '1000', { doc: 'Pause after a failed follower fetch.', min: 0 }),
  def('replica.fetch.min.bytes', 'int', '1', { doc: 'Bytes a follower fetch waits for.', imp: 'high' }),
  def('replica.fetch.response.max.bytes', 'int', '10485760', {
    doc: 'Bytes a follower asks for per fetch.',
    min: 0,
  }),
  def('num.replica.fetchers', 'int', '1', {
    doc: 'Fetcher threads per source broker.',
    imp: 'high',
    dyn: 'cluster',
  }),
  def('replica.high.watermark.checkpoint.interval.ms', 'long', '5000', {
    doc: 'How often high watermarks are written to disk.',
    imp: 'high',
  }),
  def('fetch.purgatory.purge.interval.requests', 'int', '1000', {
    doc: 'Purge interval of the delayed fetch queue, in requests.',
  }),
  def('producer.purgatory.purge.interval.requests', 'int', '1000', {
    doc: 'Purge interval of the delayed produce queue, in requests.',
  }),
  def('delete.records.purgatory.purge.interval.requests', 'int', '1', {
    doc: 'Purge interval of the delayed delete-records queue, in requests.',
  }),
  def('auto.leader.rebalance.enable', 'boolean', 'true', {
    doc: 'Move leadership back to preferred replicas in the background.',
    imp: 'high',
  }),
  def('leader.imbalance.per.broker.percentage', 'int', '10', {
    doc: 'Imbalance a broker may have before leaders are rebalanced.',
    imp: 'high',
  }),
  def('leader.imbalance.check.interval.seconds', 'long', '300', {
    doc: 'How often leader imbalance is checked.',
    imp: 'high',
    min: 1,
  }),
  def('unclean.leader.election.interval.ms', 'long', '300000', {
    doc: 'How often unclean elections are attempted.',
    internal: true,
    min: 1,
  }),
  def('unclean.leader.election.enable', 'boolean', 'false', {
    doc: 'Let a replica outside the ISR become leader as a last resort, losing data.',
    imp: 'high',
    dyn: 'cluster',
  }),
  def('security.inter.broker.protocol', 'string', 'PLAINTEXT', {
    doc: 'Security protocol between brokers when inter.broker.listener.name is not set.',
    oneOf: SECURITY_PROTOCOLS,
  }),
  def('inter.broker.listener.name', 'string', null, {
    doc: 'Listener brokers use to reach each other.',
    impl: true,
  }),
  def('inter.broker.protocol.version', 'string', '3.9-IV0', {
    doc: 'ZooKeeper mode: the inter-broker protocol version; KRaft uses metadata.version instead.',
    check: METADATA_VERSION,
  }),
  def('replica.selector.class', 'string', null, {
    doc: 'Plugin that picks a replica for consumers to fetch from (KIP-392).',
    // The two selectors Kafka ships are built in; other classes cannot be loaded.
    check: (value) =>
      value === null || REPLICA_SELECTORS.includes(String(value))
        ? null
        : `Samsa has the selectors ${REPLICA_SELECTORS.join(' and ')}`,
  }),
];

const KRAFT: ConfigDefinition[] = [
  def('controller.listener.names', 'string', null, {
    doc: 'Listener names used by the controller role (comma-separated).',
    imp: 'high',
    impl: true,
  }),
  def('controller.quorum.voters', 'list', '', {
    doc: 'Static quorum: the voters as {id}@{host}:{port}.',
    imp: 'high',
    impl: true,
    check: checkVoters,
  }),
  def('controller.quorum.bootstrap.servers', 'list', '', {
    doc: 'Dynamic quorum (KIP-853): controllers to contact first, as {host}:{port}.',
    imp: 'high',
    impl: true,
    check: (v) => checkHostPorts(v as readonly string[], 'each'),
  }),
  def('controller.quorum.election.timeout.ms', 'int', '1000', {
    doc: 'Time without a leader before a new election.',
    imp: 'high',
  }),
  def('controller.quorum.fetch.timeout.ms', 'int', '2000', {
    doc: 'Time without a successful fetch before a voter becomes a candidate.',
    imp: 'high',
  }),
  def('controller.quorum.election.backoff.max.ms', 'int', '1000', {
    doc: 'Longest wait before starting a new election.',
    imp: 'high',
  }),
  def('controller.quorum.append.linger.ms', 'int', '25', {
    doc: 'How long the quorum leader gathers writes before flushing.',
  }),
  def('controller.quorum.request.timeout.ms', 'int', '2000', { doc: 'Timeout of quorum requests.' }),
  def('controller.quorum.retry.backoff.ms', 'int', '20', {
    doc: 'Pause before retrying a failed quorum request.',
    imp: 'low',
  }),
  def('sasl.mechanism.controller.protocol', 'string', 'GSSAPI', {
    doc: 'SASL mechanism for controller connections.',
    imp: 'high',
  }),
  def('initial.broker.registration.timeout.ms', 'int', '60000', {
    doc: 'How long a broker waits for its first registration.',
  }),
  def('broker.heartbeat.interval.ms', 'int', '2000', {
    doc: 'Interval of broker heartbeats to the controller.',
  }),
  def('broker.session.timeout.ms', 'int', '9000', {
    doc: 'A broker without heartbeats for this long is fenced.',
  }),
  def('metadata.log.dir', 'string', null, {
    doc: 'Directory of the metadata log; the first log directory when not set.',
    imp: 'high',
    impl: true,
  }),
  def('metadata.log.segment.bytes', 'int', '1073741824', {
    doc: 'Segment size of the metadata log.',
    imp: 'high',
    min: 12,
  }),
  def('metadata.log.segment.min.bytes', 'int', '8388608', {
    doc: 'Smallest metadata log segment size allowed.',
    imp: 'high',
    internal: true,
    min: 12,
  }),
  def('metadata.log.segment.ms', 'long', '604800000', {
    doc: 'Age at which a metadata log segment is rolled.',
    imp: 'high',
  }),
  def('metadata.max.retention.bytes', 'long', '104857600', {
    doc: 'Metadata log bytes kept before old snapshots and segments are deleted.',
    imp: 'high',
  }),
  def('metadata.max.retention.ms', 'long', '604800000', {
    doc: 'Age at which metadata snapshots and segments are deleted.',
    imp: 'high',
  }),
  def('metadata.max.idle.interval.ms', 'int', '500', {
    doc: 'How often the active controller writes a no-op record.',
    imp: 'low',
    min: 0,
  }),
  def('metadata.log.max.record.bytes.between.snapshots', 'long', '20971520', {
    doc: 'Metadata bytes written before a new snapshot.',
    imp: 'high',
    min: 1,
  }),
  def('metadata.log.max.snapshot.interval.ms', 'long', '3600000', {
    doc: 'Longest time between metadata snapshots; 0 disables the timer.',
    imp: 'high',
    min: 0,
  }),
  def('server.max.startup.time.ms', 'long', LONG_MAX, {
    doc: 'Longest time a broker may take to catch up with metadata at start.',
    internal: true,
    min: 0,
  }),
  def('eligible.leader.replicas.enable', 'boolean', 'false', {
    doc: 'Enable eligible leader replicas (KIP-966).',
    imp: 'high',
  }),
];

/** Keys the StandardAuthorizer reads from server.properties (not part of KafkaConfig). */
const AUTHORIZER: ConfigDefinition[] = [
  def('super.users', 'string', null, {
    impl: true,
    doc: 'Principals allowed everything, separated by semicolons (User:admin;User:ops).',
    unlisted: true,
  }),
  def('allow.everyone.if.no.acl.found', 'boolean', 'false', {
    impl: true,
    doc: 'Allow access to a resource that has no ACL at all.',
    unlisted: true,
  }),
];

const SAMSA: ConfigDefinition[] = [
  def('metrics.port', 'int', '9404', {
    doc: 'Samsa: port of the HTTP endpoint serving /metrics (Prometheus), /health and /ready; 0 disables it.',
    impl: true,
    samsa: true,
    min: 0,
    max: 65535,
  }),
  def('log.level', 'string', 'info', {
    doc:
      "Samsa: the broker's log level (trace, debug, info, warn, error, off), optionally followed by " +
      `per-component levels: info,replicas=debug. Components: ${LOG_COMPONENTS.join(', ')}.`,
    impl: true,
    samsa: true,
    dyn: 'cluster',
    check: (value) => {
      const parsed = parseLogLevels(String(value));
      return parsed.ok ? null : parsed.error;
    },
  }),
  def('connections.authentication.timeout.ms', 'long', '30000', {
    doc: 'Samsa: longest time a new connection may take to finish its TLS handshake and SASL authentication before it is closed.',
    impl: true,
    samsa: true,
    min: 1,
  }),
  def('log.format', 'string', 'auto', {
    doc: 'Samsa: log line format; auto writes readable text on a terminal and JSON otherwise.',
    impl: true,
    samsa: true,
    oneOf: ['json', 'text', 'auto'],
  }),
  def('log.open.files.max', 'int', '10000', {
    doc:
      'Samsa: the most file descriptors the broker holds for its logs (segments, indexes, checkpoints), ' +
      'whatever the number of partitions: files are opened on demand, the least recently used closed ' +
      'first, and those idle for a minute closed. Lowered to half the process limit (ulimit -n) when ' +
      'that is lower, leaving the rest to connections.',
    impl: true,
    samsa: true,
    min: 16,
  }),
];

/** The web console started with `samsa server start --console` (the same keys `samsa console` reads). */
const CONSOLE: ConfigDefinition[] = [
  def('console.port', 'int', '8080', {
    doc: 'Samsa: port of the web console (--console); 0 picks a free port.',
    impl: true,
    samsa: true,
    min: 0,
    max: 65535,
  }),
  def('console.host', 'string', null, {
    doc: 'Samsa: host the web console listens on; by default the host of the first client listener.',
    impl: true,
    samsa: true,
  }),
  def('console.auth', 'string', 'none', {
    doc: 'Samsa: how the web console asks people to log in: none, basic (console.auth.users) or token (console.auth.token).',
    impl: true,
    samsa: true,
    oneOf: ['none', 'basic', 'token'],
  }),
  def('console.auth.users', 'password', null, {
    doc: 'Samsa: the web console users for console.auth=basic, as user:password pairs separated by commas.',
    impl: true,
    samsa: true,
  }),
  def('console.auth.token', 'password', null, {
    doc: 'Samsa: the token that logs in to the web console when console.auth=token.',
    impl: true,
    samsa: true,
  }),
  def('console.read.only', 'boolean', 'false', {
    doc: 'Samsa: the web console shows the cluster but changes nothing.',
    impl: true,
    samsa: true,
  }),
  def('console.refresh.ms', 'int', '5000', {
    doc: 'Samsa: how often the web console samples lag and throughput and its pages refresh.',
    impl: true,
    samsa: true,
    min: 200,
  }),
];

export const SERVER_DEFINITIONS: readonly ConfigDefinition[] = [
  ...NODE,
  ...SOCKETS,
  ...REPLICATION,
  ...KRAFT,
  ...AUTHORIZER,
  ...SAMSA,
  ...CONSOLE,
];
