// Listener, security protocol map and quorum voter syntax, with Kafka's parsing rules.

export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';

export interface Listener {
  /** Upper-case listener name (PLAINTEXT, CONTROLLER, EXTERNAL...). */
  name: string;
  /** Host to bind or advertise; '' binds every interface (Kafka's empty host). */
  host: string;
  port: number;
  securityProtocol: SecurityProtocol;
}

export interface QuorumVoter {
  id: number;
  host: string;
  port: number;
}

export interface HostPort {
  host: string;
  port: number;
}

export type Parse<T> = { ok: true; value: T } | { ok: false; error: string };

const PROTOCOLS: readonly SecurityProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];
const ENDPOINT = /^(.*):\/\/\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$/;
const HOST_PORT = /^(?:[0-9a-zA-Z\-%._]*:\/\/)?\[?([0-9a-zA-Z\-%._:]*)\]?:([0-9]+)$/;

/** Kafka's comma-separated list: trimmed items, empty ones dropped. */
export function csvList(text: string | null): string[] {
  return text === null || text === '' ? [] : text.split(/\s*,\s*/).filter((s) => s !== '');
}

export function securityProtocolOf(name: string): SecurityProtocol | null {
  const upper = name.toUpperCase();
  return (PROTOCOLS as readonly string[]).includes(upper) ? (upper as SecurityProtocol) : null;
}

/** Parses listener.security.protocol.map (NAME:PROTOCOL,...); names are upper-cased. */
export function parseProtocolMap(text: string, key: string): Parse<Map<string, SecurityProtocol>> {
  const map = new Map<string, SecurityProtocol>();
  if (text === '') return { ok: true, value: map };
  for (const pair of text.split(/\s*,\s*/)) {
    const colon = pair.lastIndexOf(':');
    if (colon < 0) return { ok: false, error: `${key}: entry '${pair}' should be in the form NAME:PROTOCOL` };
    const protocolName = pair.slice(colon + 1).trim();
    const protocol = securityProtocolOf(protocolName);
    if (!protocol)
      return {
        ok: false,
        error: `${key}: invalid security protocol '${protocolName}' (one of ${PROTOCOLS.join(', ')})`,
      };
    map.set(pair.slice(0, colon).trim().toUpperCase(), protocol);
  }
  return { ok: true, value: map };
}

function isIp(host: string): 4 | 6 | 0 {
  if (/^(\d{1,3}\.){3}\d{1,3}$/.test(host)) return 4;
  return host.includes(':') ? 6 : 0;
}

/** Kafka's duplicate checks: distinct names, and distinct ports unless one is IPv4 and one IPv6. */
function checkDistinct(
  listeners: Listener[],
  key: string,
  text: string,
  distinctPorts: boolean,
): string | null {
  const names = new Set(listeners.map((l) => l.name));
  if (names.size !== listeners.length)
    return `${key}: each listener must have a different name, listeners: ${text}`;
  if (!distinctPorts) return null;
  const byPort = new Map<number, Listener[]>();
  for (const l of listeners) if (l.port !== 0) byPort.set(l.port, [...(byPort.get(l.port) ?? []), l]);
  for (const [port, group] of byPort) {
    if (group.length < 2) continue;
    const kinds = group.map((l) => isIp(l.host)).sort();
    if (group.length === 2 && kinds[0] === 4 && kinds[1] === 6) continue;
    return `${key}: each listener must have a different port unless one is on IPv4 and the other on IPv6, listeners: ${text}, port: ${port}`;
  }
  return null;
}

/** Parses `NAME://host:port,...` against a protocol map (listeners, advertised.listeners). */
export function parseListeners(
  text: string,
  protocols: ReadonlyMap<string, SecurityProtocol>,
  key: string,
  distinctPorts = true,
): Parse<Listener[]> {
  const listeners: Listener[] = [];
  for (const entry of csvList(text.trim())) {
    const m = ENDPOINT.exec(entry);
    if (!m)
      return {
        ok: false,
        error: `${key}: unable to parse '${entry}' as a listener (expected NAME://host:port)`,
      };
    const name = m[1].toUpperCase();
    const port = Number(m[3]);
    if (port < 0 || port > 65535)
      return { ok: false, error: `${key}: port ${m[3]} of listener '${entry}' is out of range (0-65535)` };
    const securityProtocol = protocols.get(name);
    if (!securityProtocol)
      return {
        ok: false,
        error: `${key}: no security protocol defined for listener ${name} (add it to listener.security.protocol.map)`,
      };
    listeners.push({ name, host: m[2], port, securityProtocol });
  }
  const duplicate = checkDistinct(listeners, key, text, distinctPorts);
  return duplicate ? { ok: false, error: duplicate } : { ok: true, value: listeners };
}

/** Parses one `host:port` (bracketed IPv6 allowed). */
export function parseHostPort(entry: string): HostPort | null {
  const m = HOST_PORT.exec(entry);
  if (!m || m[1] === '') return null;
  const port = Number(m[2]);
  return port > 65535 ? null : { host: m[1], port };
}

/** Parses controller.quorum.voters entries `{id}@{host}:{port}`. */
export function parseVoters(entries: readonly string[]): Parse<QuorumVoter[]> {
  const voters: QuorumVoter[] = [];
  for (const entry of entries) {
    const parts = entry.split('@');
    const id = parts.length === 2 && /^\d+$/.test(parts[0]) ? Number(parts[0]) : Number.NaN;
    const address = parts.length === 2 ? parseHostPort(parts[1]) : null;
    if (!Number.isSafeInteger(id) || address === null)
      return {
        ok: false,
        error: `controller.quorum.voters: entry '${entry}' should be in the form {id}@{host}:{port}`,
      };
    if (address.host === '0.0.0.0')
      return { ok: false, error: `controller.quorum.voters: host of '${entry}' is not routable` };
    if (voters.some((v) => v.id === id))
      return { ok: false, error: `controller.quorum.voters: voter id ${id} appears twice` };
    voters.push({ id, ...address });
  }
  return { ok: true, value: voters };
}

/** Parses controller.quorum.bootstrap.servers entries `{host}:{port}`. */
export function parseBootstrapServers(entries: readonly string[]): Parse<HostPort[]> {
  const out: HostPort[] = [];
  for (const entry of entries) {
    const address = parseHostPort(entry);
    if (!address)
      return {
        ok: false,
        error: `controller.quorum.bootstrap.servers: entry '${entry}' should be in the form {host}:{port}`,
      };
    out.push(address);
  }
  return { ok: true, value: out };
}
