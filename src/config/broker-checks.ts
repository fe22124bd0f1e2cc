// Checks across broker keys (KafkaConfig.validateValues and friends): listeners, roles and the quorum,
// log directories, and pairs of keys that must be ordered. Each failure is one line naming the keys.

import {
  csvList,
  type HostPort,
  type Listener,
  type Parse,
  parseBootstrapServers,
  parseListeners,
  parseProtocolMap,
  parseVoters,
  type QuorumVoter,
  type SecurityProtocol,
  securityProtocolOf,
} from './listeners.js';
import type { ConfigValue } from './types.js';

export interface Values {
  get(name: string): ConfigValue;
  /** True when some layer sets the key (it is not the default). */
  isSet(name: string): boolean;
}

export type ProcessRole = 'broker' | 'controller';

export interface NetworkSettings {
  processRoles: ProcessRole[];
  /** True when process.roles is not set: Samsa's single combined node with an in-process quorum. */
  standalone: boolean;
  listeners: Listener[];
  advertisedListeners: Listener[];
  controllerListeners: Listener[];
  listenerSecurityProtocolMap: Map<string, SecurityProtocol>;
  controllerListenerNames: string[];
  interBrokerListenerName: string;
  controllerQuorumVoters: QuorumVoter[];
  controllerQuorumBootstrapServers: HostPort[];
}

const str = (v: Values, name: string) => v.get(name) as string | null;
const num = (v: Values, name: string) => v.get(name) as number;

function roles(v: Values): Parse<ProcessRole[]> {
  const list = v.get('process.roles') as string[];
  if (new Set(list).size !== list.length)
    return { ok: false, error: `Duplicate role names found in \`process.roles\`: [${list.join(', ')}]` };
  return { ok: true, value: list as ProcessRole[] };
}

/** listener.security.protocol.map, plus PLAINTEXT for controller listeners when it is left at its default. */
function protocolMap(v: Values, controllerNames: string[]): Parse<Map<string, SecurityProtocol>> {
  const parsed = parseProtocolMap(
    str(v, 'listener.security.protocol.map') ?? '',
    'listener.security.protocol.map',
  );
  if (!parsed.ok || v.isSet('listener.security.protocol.map')) return parsed;
  const secure = (name: string) => ['SSL', 'SASL_SSL', 'SASL_PLAINTEXT'].includes(name);
  const listenerNames = csvList(str(v, 'listeners')).map((l) =>
    l.slice(0, Math.max(0, l.indexOf(':'))).toUpperCase(),
  );
  if (controllerNames.some(secure) || listenerNames.some(secure)) return parsed;
  for (const name of controllerNames) if (!parsed.value.has(name)) parsed.value.set(name, 'PLAINTEXT');
  return parsed;
}

function interBrokerListener(v: Values, map: Map<string, SecurityProtocol>): Parse<string> {
  const name = str(v, 'inter.broker.listener.name');
  if (name === null) {
    const protocol = securityProtocolOf(str(v, 'security.inter.broker.protocol') ?? '');
    return { ok: true, value: protocol ?? 'PLAINTEXT' };
  }
  if (v.isSet('security.inter.broker.protocol'))
    return {
      ok: false,
      error: 'Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.',
    };
  const upper = name.toUpperCase();
  if (!map.has(upper))
    return {
      ok: false,
      error: `Listener with name ${upper} defined in inter.broker.listener.name not found in listener.security.protocol.map.`,
    };
  return { ok: true, value: upper };
}

function parseAll(v: Values): Parse<NetworkSettings> {
  const r = roles(v);
  if (!r.ok) return r;
  const controllerListenerNames = csvList(str(v, 'controller.listener.names')).map((s) => s.toUpperCase());
  const map = protocolMap(v, controllerListenerNames);
  if (!map.ok) return map;
  const listeners = parseListeners(str(v, 'listeners') ?? '', map.value, 'listeners');
  if (!listeners.ok) return listeners;
  const advertisedText = str(v, 'advertised.listeners');
  const advertised =
    advertisedText === null
      ? listeners
      : parseListeners(advertisedText, map.value, 'advertised.listeners', false);
  if (!advertised.ok) return advertised;
  const voters = parseVoters(v.get('controller.quorum.voters') as string[]);
  if (!voters.ok) return voters;
  const bootstrap = parseBootstrapServers(v.get('controller.quorum.bootstrap.servers') as string[]);
  if (!bootstrap.ok) return bootstrap;
  const interBroker = interBrokerListener(v, map.value);
  if (!interBroker.ok) return interBroker;
  const isController = (l: Listener) => controllerListenerNames.includes(l.name);
  return {
    ok: true,
    value: {
      processRoles: r.value.length === 0 ? ['broker', 'controller'] : r.value,
      standalone: r.value.length === 0,
      listeners: listeners.value,
      advertisedListeners: advertised.value.filter((l) => !isController(l)),
      controllerListeners: listeners.value.filter(isController),
      listenerSecurityProtocolMap: map.value,
      controllerListenerNames,
      interBrokerListenerName: interBroker.value,
      controllerQuorumVoters: voters.value,
      controllerQuorumBootstrapServers: bootstrap.value,
    },
  };
}

function checkQuorum(v: Values, n: NetworkSettings): string | null {
  const nodeId = num(v, 'node.id');
  const voterIds = n.controllerQuorumVoters.map((q) => q.id);
  const listenerNames = n.listeners.map((l) => l.name);
  if (voterIds.length === 0 && n.controllerQuorumBootstrapServers.length === 0)
    return 'If using process.roles, either controller.quorum.bootstrap.servers must contain the set of bootstrap controllers or controller.quorum.voters must contain a parseable set of controllers.';
  if (str(v, 'control.plane.listener.name') !== null)
    return 'control.plane.listener.name is not supported in KRaft mode.';
  const isController = n.processRoles.includes('controller');
  if (!isController) {
    if (voterIds.includes(nodeId))
      return `If process.roles contains just the 'broker' role, the node id ${nodeId} must not be included in the set of voters controller.quorum.voters=${voterIds.join(',')}`;
    if (n.controllerListenerNames.length === 0)
      return 'controller.listener.names must contain at least one value when running KRaft with just the broker role';
    if (n.controllerListeners.length > 0)
      return "controller.listener.names must not contain a value appearing in the 'listeners' configuration when running KRaft with just the broker role";
    const missing = n.controllerListenerNames.find((c) => !n.listenerSecurityProtocolMap.has(c));
    return missing
      ? `Controller listener with name ${missing} defined in controller.listener.names not found in listener.security.protocol.map`
      : null;
  }
  if (voterIds.length > 0 && !voterIds.includes(nodeId))
    return `If process.roles contains the 'controller' role, the node id ${nodeId} must be included in the set of voters controller.quorum.voters=${voterIds.join(',')}`;
  if (n.controllerListeners.length === 0)
    return "controller.listener.names must contain at least one value appearing in the 'listeners' configuration when running the KRaft controller role";
  if (!n.controllerListenerNames.every((c) => listenerNames.includes(c)))
    return "controller.listener.names must only contain values appearing in the 'listeners' configuration when running the KRaft controller role";
  if (!n.processRoles.includes('broker') && n.controllerListeners.length !== n.listeners.length)
    return 'The listeners config must only contain KRaft controller listeners from controller.listener.names when process.roles=controller';
  return null;
}

function checkBrokerListeners(n: NetworkSettings): string | null {
  const advertisedNames = n.advertisedListeners.map((l) => l.name);
  const listenerNames = n.listeners.map((l) => l.name);
  if (advertisedNames.length === 0)
    return 'There must be at least one broker advertised listener. Perhaps all listeners appear in controller.listener.names?';
  if (!advertisedNames.includes(n.interBrokerListenerName))
    return `inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are ${advertisedNames.join(',')}`;
  if (!advertisedNames.every((a) => listenerNames.includes(a)))
    return `advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. Found ${advertisedNames.join(',')}. The valid options based on the current configuration are ${listenerNames.join(',')}`;
  if (n.advertisedListeners.some((l) => l.host === '0.0.0.0'))
    return 'advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.';
  return null;
}

/** Parses listeners, roles and the quorum, and checks them as Kafka does. */
export function networkSettings(v: Values): Parse<NetworkSettings> {
  const parsed = parseAll(v);
  if (!parsed.ok) return parsed;
  const n = parsed.value;
  const quorum = n.standalone ? null : checkQuorum(v, n);
  if (quorum) return { ok: false, error: quorum };
  const broker = n.processRoles.includes('broker') ? checkBrokerListeners(n) : null;
  return broker ? { ok: false, error: broker } : parsed;
}

/** [a, relation, b]: the value of a must stand in that relation to the value of b. */
const ORDERED: readonly (readonly [string, '<=' | '<' | '>=', string])[] = [
  ['replica.fetch.wait.max.ms', '<=', 'replica.socket.timeout.ms'],
  ['replica.fetch.wait.max.ms', '<=', 'replica.lag.time.max.ms'],
  ['group.consumer.max.heartbeat.interval.ms', '>=', 'group.consumer.min.heartbeat.interval.ms'],
  ['group.consumer.heartbeat.interval.ms', '>=', 'group.consumer.min.heartbeat.interval.ms'],
  ['group.consumer.heartbeat.interval.ms', '<=', 'group.consumer.max.heartbeat.interval.ms'],
  ['group.consumer.max.session.timeout.ms', '>=', 'group.consumer.min.session.timeout.ms'],
  ['group.consumer.session.timeout.ms', '>=', 'group.consumer.min.session.timeout.ms'],
  ['group.consumer.session.timeout.ms', '<=', 'group.consumer.max.session.timeout.ms'],
  ['group.consumer.heartbeat.interval.ms', '<', 'group.consumer.session.timeout.ms'],
  ['group.share.max.heartbeat.interval.ms', '>=', 'group.share.min.heartbeat.interval.ms'],
  ['group.share.heartbeat.interval.ms', '>=', 'group.share.min.heartbeat.interval.ms'],
  ['group.share.heartbeat.interval.ms', '<=', 'group.share.max.heartbeat.interval.ms'],
  ['group.share.max.session.timeout.ms', '>=', 'group.share.min.session.timeout.ms'],
  ['group.share.session.timeout.ms', '>=', 'group.share.min.session.timeout.ms'],
  ['group.share.session.timeout.ms', '<=', 'group.share.max.session.timeout.ms'],
  ['group.share.heartbeat.interval.ms', '<', 'group.share.session.timeout.ms'],
];

const WORDS = { '<=': 'less than or equal to', '<': 'less than', '>=': 'greater than or equal to' } as const;

function checkOrdered(v: Values): string | null {
  for (const [a, relation, b] of ORDERED) {
    const x = num(v, a);
    const y = num(v, b);
    const holds = relation === '<=' ? x <= y : relation === '<' ? x < y : x >= y;
    if (!holds) return `${a} (${x}) must be ${WORDS[relation]} ${b} (${y})`;
  }
  return null;
}

/** The node's id, checked first as Kafka does. */
export function checkNodeId(v: Values): string | null {
  if (v.get('node.id') !== v.get('broker.id'))
    return 'You must set `node.id` to the same value as `broker.id`.';
  if (num(v, 'node.id') < 0)
    return 'Missing configuration `node.id`: every node needs an id (set node.id, for example node.id=1).';
  return null;
}

/** Rules on single values that depend on others (besides the id, listeners and the quorum). */
export function checkRules(
  v: Values,
  logDirs: readonly string[],
  retentionMs: number,
  rollMs: number,
): string | null {
  if (rollMs < 1) return 'log.roll.ms must be greater than or equal to 1';
  if (retentionMs < 1 && retentionMs !== -1)
    return 'log.retention.ms must be unlimited (-1) or, greater than or equal to 1';
  if (logDirs.length === 0) return 'At least one log directory must be defined via log.dirs or log.dir.';
  const threads = num(v, 'log.cleaner.threads');
  if (threads > 0 && num(v, 'log.cleaner.dedupe.buffer.size') / threads <= 1024 * 1024)
    return 'log.cleaner.dedupe.buffer.size must be at least 1MB per cleaner thread.';
  const queued = num(v, 'queued.max.request.bytes');
  if (queued > 0 && queued < num(v, 'socket.request.max.bytes'))
    return 'queued.max.request.bytes must be larger or equal to socket.request.max.bytes';
  if (num(v, 'max.connections.per.ip') === 0 && str(v, 'max.connections.per.ip.overrides') === '')
    return 'max.connections.per.ip can be set to zero only if max.connections.per.ip.overrides property is set.';
  const idle = num(v, 'connections.max.idle.ms');
  const delay = num(v, 'connection.failed.authentication.delay.ms');
  if (idle >= 0 && delay >= idle)
    return `connection.failed.authentication.delay.ms=${delay} should always be less than connections.max.idle.ms=${idle} to prevent failed authentication responses from timing out`;
  return checkOrdered(v);
}
