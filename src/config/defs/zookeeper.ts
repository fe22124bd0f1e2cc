// ZooKeeper-mode keys: known to Kafka 3.9, gone in 4.0 (KRaft only). A 3.9 server.properties may
// still carry them, so they are accepted and ignored.

import type { ConfigDefinition } from '../types.js';
import { def } from './define.js';

const ZK = { removedIn: '4.0', note: 'ZooKeeper mode does not exist in Samsa (nor in Kafka 4.0).' } as const;

export const ZOOKEEPER_DEFINITIONS: readonly ConfigDefinition[] = [
  def('zookeeper.connect', 'string', null, {
    ...ZK,
    doc: 'ZooKeeper connection string (host:port,...[/chroot]).',
    imp: 'high',
  }),
  def('zookeeper.session.timeout.ms', 'int', '18000', {
    ...ZK,
    doc: 'ZooKeeper session timeout.',
    imp: 'high',
  }),
  def('zookeeper.connection.timeout.ms', 'int', null, {
    ...ZK,
    doc: 'Wait for a ZooKeeper connection; the session timeout when not set.',
    imp: 'high',
  }),
  def('zookeeper.set.acl', 'boolean', 'false', {
    ...ZK,
    doc: 'Protect ZooKeeper nodes with ACLs.',
    imp: 'high',
  }),
  def('zookeeper.max.in.flight.requests', 'int', '10', {
    ...ZK,
    doc: 'Unacknowledged ZooKeeper requests allowed.',
    imp: 'high',
    min: 1,
  }),
  def('zookeeper.ssl.client.enable', 'boolean', 'false', { ...ZK, doc: 'Use TLS to reach ZooKeeper.' }),
  def('zookeeper.clientCnxnSocket', 'string', null, {
    ...ZK,
    doc: 'ZooKeeper client socket class (for TLS).',
  }),
  def('zookeeper.ssl.keystore.location', 'string', null, { ...ZK, doc: 'Key store for TLS to ZooKeeper.' }),
  def('zookeeper.ssl.keystore.password', 'password', null, {
    ...ZK,
    doc: 'Key store password for TLS to ZooKeeper.',
  }),
  def('zookeeper.ssl.keystore.type', 'string', null, {
    ...ZK,
    doc: 'Key store format for TLS to ZooKeeper.',
  }),
  def('zookeeper.ssl.truststore.location', 'string', null, {
    ...ZK,
    doc: 'Trust store for TLS to ZooKeeper.',
  }),
  def('zookeeper.ssl.truststore.password', 'password', null, {
    ...ZK,
    doc: 'Trust store password for TLS to ZooKeeper.',
  }),
  def('zookeeper.ssl.truststore.type', 'string', null, {
    ...ZK,
    doc: 'Trust store format for TLS to ZooKeeper.',
  }),
  def('zookeeper.ssl.protocol', 'string', 'TLSv1.2', {
    ...ZK,
    doc: 'TLS protocol to ZooKeeper.',
    imp: 'low',
  }),
  def('zookeeper.ssl.enabled.protocols', 'list', null, {
    ...ZK,
    doc: 'TLS versions accepted with ZooKeeper.',
    imp: 'low',
  }),
  def('zookeeper.ssl.cipher.suites', 'list', null, {
    ...ZK,
    doc: 'Cipher suites accepted with ZooKeeper.',
    imp: 'low',
  }),
  def('zookeeper.ssl.endpoint.identification.algorithm', 'string', 'HTTPS', {
    ...ZK,
    doc: 'Host name check of ZooKeeper certificates.',
    imp: 'low',
  }),
  def('zookeeper.ssl.crl.enable', 'boolean', 'false', {
    ...ZK,
    doc: 'Check revocation lists of ZooKeeper certificates.',
    imp: 'low',
  }),
  def('zookeeper.ssl.ocsp.enable', 'boolean', 'false', {
    ...ZK,
    doc: 'Check ZooKeeper certificates with OCSP.',
    imp: 'low',
  }),
  def('zookeeper.metadata.migration.enable', 'boolean', 'false', {
    ...ZK,
    doc: 'Migrate a ZooKeeper cluster to KRaft.',
    imp: 'high',
  }),
  def('zookeeper.metadata.migration.min.batch.size', 'int', '200', {
    ...ZK,
    doc: 'Batch size of the ZooKeeper migration.',
    internal: true,
    min: 1,
  }),
];
