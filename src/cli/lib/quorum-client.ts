// Requests of the cluster tools (kafka-metadata-quorum, kafka-features, kafka-cluster,
// kafka-leader-election) that the client library does not make: DescribeQuorum, AddRaftVoter,
// RemoveRaftVoter, UpdateFeatures, UnregisterBroker, ElectLeaders. With --bootstrap-server they go to a
// broker, which forwards them to the active controller; with --bootstrap-controller straight to the
// controllers, and to the quorum leader for what only it answers (found with DescribeCluster).
import type { Connection } from '../../client/connection.js';
import { apiDecl, parseVersions } from '../../protocol/index.js';
import { CommandError, type ParsedArgs, UsageError } from '../args.js';

const API_DESCRIBE_CLUSTER = 60;
const CONTROLLER_ENDPOINT = 2;
const BROKER_ENDPOINT = 1;

export interface QuorumTarget {
  servers: { host: string; port: number }[];
  /** --bootstrap-controller: the addresses are controllers. */
  controllers: boolean;
  requestTimeoutMs: number;
}

export function parseServers(text: string, flag: string): { host: string; port: number }[] {
  const out = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(entry);
      if (!m) throw new CommandError(`Invalid url in ${flag}: ${entry}`);
      return { host: m[1], port: Number(m[2]) };
    });
  if (out.length === 0) throw new CommandError(`No resolvable bootstrap urls given in ${flag}`);
  return out;
}

/** The client a cluster tool's --bootstrap-server or --bootstrap-controller names (exactly one of them). */
export function quorumClientOf(args: ParsedArgs): QuorumClient {
  const server = args.get('bootstrap-server');
  const controller = args.get('bootstrap-controller');
  if ((server === undefined) === (controller === undefined))
    throw new UsageError('exactly one of --bootstrap-server or --bootstrap-controller must be given');
  return new QuorumClient({
    servers: parseServers(
      (server ?? controller) as string,
      server !== undefined ? '--bootstrap-server' : '--bootstrap-controller',
    ),
    controllers: controller !== undefined,
    requestTimeoutMs: 30_000,
  });
}

export class QuorumClient {
  private readonly open: Connection[] = [];
  private sweeper: import('../../client/connection.js').Sweeper | null = null;

  constructor(private readonly target: QuorumTarget) {}

  private async connect(host: string, port: number): Promise<Connection> {
    const { Connection, Sweeper } = await import('../../client/connection.js');
    this.sweeper ??= new Sweeper();
    const conn = new Connection({
      host,
      port,
      label: `${host}:${port}`,
      clientId: 'samsa-admin',
      requestTimeoutMs: this.target.requestTimeoutMs,
      connectTimeoutMs: this.target.requestTimeoutMs,
      sweeper: this.sweeper,
    });
    this.open.push(conn);
    await conn.ready();
    return conn;
  }

  /** A connection to any of the bootstrap servers. */
  async any(): Promise<Connection> {
    let last: unknown = null;
    for (const s of this.target.servers) {
      try {
        return await this.connect(s.host, s.port);
      } catch (err) {
        last = err;
      }
    }
    throw new CommandError(
      `Could not connect to any of ${this.target.servers.map((s) => `${s.host}:${s.port}`).join(',')}: ${(last as Error)?.message}`,
    );
  }

  /** Sends at the highest version both sides speak. */
  async send<T>(conn: Connection, apiKey: number, body: unknown | ((v: number) => unknown)): Promise<T> {
    const decl = apiDecl(apiKey);
    const peer = conn.brokerVersions.get(apiKey);
    if (!decl || !peer) throw new CommandError(`The node does not support ${decl?.name ?? `API ${apiKey}`}`);
    const version = Math.min(peer[1], parseVersions(decl.request.valid).max);
    const b = typeof body === 'function' ? (body as (v: number) => unknown)(version) : body;
    return (await conn.sendAt(apiKey, version, b, {})) as T;
  }

  /** The cluster as DescribeCluster tells it (brokers, or controllers with --bootstrap-controller). */
  async describeCluster(conn: Connection): Promise<{
    clusterId: string;
    controllerId: number;
    nodes: { id: number; host: string; port: number }[];
  }> {
    const r = await this.send<{
      errorCode: number;
      clusterId: string;
      controllerId: number;
      brokers: { brokerId: number; host: string; port: number }[];
    }>(conn, API_DESCRIBE_CLUSTER, {
      includeClusterAuthorizedOperations: false,
      endpointType: this.target.controllers ? CONTROLLER_ENDPOINT : BROKER_ENDPOINT,
    });
    if (r.errorCode !== 0) throw new CommandError(`DescribeCluster failed with error ${r.errorCode}`);
    return {
      clusterId: r.clusterId,
      controllerId: r.controllerId,
      nodes: r.brokers.map((b) => ({ id: b.brokerId, host: b.host, port: b.port })),
    };
  }

  /**
   * A connection that can answer for the active controller: any broker (it forwards), or with
   * --bootstrap-controller the controller that leads the quorum.
   */
  async forController(): Promise<Connection> {
    const conn = await this.any();
    if (!this.target.controllers) return conn;
    // The first controller that knows the leader says where it is (one just started may not yet).
    for (const s of this.target.servers) {
      let asked: Connection;
      try {
        asked =
          conn.label === `${s.host}:${s.port}`
            ? conn
            : (this.byLabel(s) ?? (await this.connect(s.host, s.port)));
      } catch {
        continue;
      }
      const cluster = await this.describeCluster(asked).catch(() => null);
      const leader = cluster?.nodes.find((n) => n.id === cluster.controllerId);
      if (!leader) continue;
      return this.byLabel(leader) ?? this.connect(leader.host, leader.port);
    }
    return conn;
  }

  private byLabel(s: { host: string; port: number }): Connection | undefined {
    return this.open.find((c) => c.label === `${s.host}:${s.port}`);
  }

  close(): void {
    for (const c of this.open) c.close();
    this.sweeper?.stop();
  }
}
