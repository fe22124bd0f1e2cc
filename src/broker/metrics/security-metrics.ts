// The security families, under the names Kafka's JMX exporter gives them: authentications per listener
// (socket-server-metrics successful/failed-authentication-total), and client quota throttling per
// quota type (Produce, Fetch, Request throttle-time; Kafka keeps one sensor per user and client id,
// Samsa reports the sums by type), plus the number of ACLs the authorizer holds.
import type { Exposition } from '../../metrics/exposition.js';
import type { BrokerSecurity } from '../security/broker-security.js';

const THROTTLE_TYPES: [kind: string, kafkaType: string][] = [
  ['producer_byte_rate', 'produce'],
  ['consumer_byte_rate', 'fetch'],
  ['request_percentage', 'request'],
  ['controller_mutation_rate', 'controllermutation'],
];

export function collectSecurity(w: Exposition, security: BrokerSecurity): void {
  const c = security.counters;
  w.family(
    'kafka_server_socket_server_metrics_successful_authentication_total',
    'counter',
    'SASL authentications that succeeded.',
  ).sample([['networkprocessor', 0]], c.successfulAuthentications);
  w.family(
    'kafka_server_socket_server_metrics_failed_authentication_total',
    'counter',
    'Failed authentications: wrong credentials, refused client certificates, failed TLS handshakes.',
  ).sample([['networkprocessor', 0]], c.failedAuthentications);
  for (const [kind, type] of THROTTLE_TYPES) {
    const t = security.quotas.byKind.get(kind as never) ?? { count: 0, totalMs: 0 };
    w.family(
      `kafka_server_${type}_throttle_seconds_total`,
      'counter',
      `Seconds of ${type} throttling given to clients.`,
    ).sample(null, t.totalMs / 1000);
    w.family(
      `kafka_server_${type}_throttled_responses_total`,
      'counter',
      `Responses that carried a ${type} throttle time.`,
    ).sample(null, t.count);
  }
  w.single('samsa_authorizer_acls', 'gauge', 'ACLs the authorizer holds.', security.access.aclCount);
}
