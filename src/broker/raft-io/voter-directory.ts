// Where the controllers are: the address book of the transport. The Raft core knows voters by id
// only; this keeps, per id, the directory id and listener endpoints KRaft records in VotersRecord,
// learned from controller.quorum.voters, the bootstrap checkpoint, VotersRecords in the log and in
// snapshots, the leader endpoints Fetch responses carry, and AddRaftVoter requests. Addresses of
// controller.quorum.bootstrap.servers, whose ids are unknown, get negative pseudo ids (as KRaft's
// request manager does) so the core can fetch from them to discover the leader.

export interface VoterEndpoint {
  name: string;
  host: string;
  port: number;
}

export interface VoterInfo {
  id: number;
  /** The voter's metadata log directory id (KIP-853); all zeros when unknown (a static quorum). */
  directoryId: string;
  endpoints: VoterEndpoint[];
}

export const NO_DIRECTORY_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** Pseudo ids of bootstrap servers: -2, -3, ... (-1 is KRaft's "no id"). */
export function bootstrapPseudoId(index: number): number {
  return -2 - index;
}

export class VoterDirectory {
  private readonly byId = new Map<number, VoterInfo>();
  private readonly bootstrap: { host: string; port: number }[];

  constructor(
    /** The controller listener to use when a voter has several (the first of controller.listener.names). */
    private readonly listenerName: string,
    bootstrap: readonly { host: string; port: number }[] = [],
  ) {
    this.bootstrap = [...bootstrap];
  }

  /** Records what is known of a voter; an empty endpoint list keeps the endpoints known so far. */
  learn(info: VoterInfo): void {
    const known = this.byId.get(info.id);
    const endpoints = info.endpoints.length > 0 ? info.endpoints : (known?.endpoints ?? []);
    const directoryId =
      info.directoryId !== NO_DIRECTORY_ID ? info.directoryId : (known?.directoryId ?? NO_DIRECTORY_ID);
    this.byId.set(info.id, { id: info.id, directoryId, endpoints });
  }

  /** A leader's address from a Fetch or Vote response (NodeEndpoints). */
  learnEndpoint(id: number, host: string, port: number): void {
    if (id < 0) return;
    this.learn({ id, directoryId: NO_DIRECTORY_ID, endpoints: [{ name: this.listenerName, host, port }] });
  }

  get(id: number): VoterInfo | undefined {
    return this.byId.get(id);
  }

  /** The address to reach `id` on: its controller listener, a bootstrap server, or null. */
  addressOf(id: number): { host: string; port: number } | null {
    if (id <= -2) return this.bootstrap[-2 - id] ?? null;
    const info = this.byId.get(id);
    if (!info || info.endpoints.length === 0) return null;
    const ep = info.endpoints.find((e) => e.name === this.listenerName) ?? info.endpoints[0];
    return { host: ep.host, port: ep.port };
  }

  /** Pseudo ids of the bootstrap servers (for an observer that knows no voter yet). */
  bootstrapIds(): number[] {
    return this.bootstrap.map((_, i) => bootstrapPseudoId(i));
  }

  /** Everything known, for VotersRecords and DescribeQuorum. */
  all(): VoterInfo[] {
    return [...this.byId.values()].sort((a, b) => a.id - b.id);
  }
}
