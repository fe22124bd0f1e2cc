// The node's view of the metadata quorum, for the composition root: voters and endpoints from the
// configuration, the controller channel of a broker, what DescribeQuorum and DescribeCluster read, and
// voter changes (KIP-853) turned into Kafka's answers.

import { hostname } from 'node:os';
import type { BrokerConfig } from '../config/index.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ProposeResult, RaftNode } from '../raft/index.js';
import type { MetadataPublisher } from './controller/metadata-publisher.js';
import type { QuorumController } from './controller/quorum-controller.js';
import type { QuorumView, VoterChanges } from './handlers/services.js';
import type { Logger } from './logger.js';
import { ControllerChannel, type DeadlineTimer, type Endpoint } from './net/index.js';
import type { MetadataQuorum } from './raft-io/metadata-quorum.js';
import { NO_DIRECTORY_ID, type VoterInfo } from './raft-io/voter-directory.js';
import type { PeerConnector } from './security/peer-security.js';
import type { BoundListener, ListenerSpec } from './server/listener.js';

export const SECURITY_PROTOCOL_IDS: Record<string, number> = {
  PLAINTEXT: 0,
  SSL: 1,
  SASL_PLAINTEXT: 2,
  SASL_SSL: 3,
};

/** How long a voter change waits for the new voter to catch up, or for the change to commit. */
const VOTER_CHANGE_TIMEOUT_MS = 30_000;

/** controller.quorum.voters as voters with their controller endpoint. */
export function staticVoters(config: BrokerConfig): VoterInfo[] {
  const name = config.controllerListenerNames[0] ?? 'CONTROLLER';
  return config.controllerQuorumVoters.map((v) => ({
    id: v.id,
    directoryId: NO_DIRECTORY_ID,
    endpoints: [{ name, host: v.host, port: v.port }],
  }));
}

/** A host peers can reach: the configured one, else this machine's name (Kafka's canonical host name). */
function reachableHost(host: string, standalone: boolean): string {
  if (host !== '' && host !== '0.0.0.0' && host !== '::') return host;
  return standalone ? host : hostname();
}

/** This controller's own endpoints (advertised when given), for a dynamic quorum's address book. */
export function controllerSelf(config: BrokerConfig, bound: readonly BoundListener[] = []): VoterInfo {
  const advertised = new Map(config.advertisedListeners.map((l) => [l.name, l]));
  return {
    id: config.nodeId,
    directoryId: NO_DIRECTORY_ID,
    endpoints: config.controllerListeners.map((l) => {
      const adv = advertised.get(l.name);
      const port = bound.find((b) => b.name === l.name)?.boundPort ?? l.port;
      return {
        name: l.name,
        host: reachableHost(adv?.host || l.host, false),
        port: adv?.port ? adv.port : port,
      };
    }),
  };
}

/** The listeners clients connect to (controller listeners belong to the quorum). */
export function brokerListenerSpecs(config: BrokerConfig): ListenerSpec[] {
  const controllerNames = new Set(config.controllerListenerNames);
  return config.listeners
    .filter((l) => !controllerNames.has(l.name))
    .map((l) => ({ name: l.name, host: l.host, port: l.port, securityProtocol: l.securityProtocol }));
}

/** The endpoints a broker registers: advertised.listeners, with ports bound at 0 filled in. */
export function advertisedEndpoints(config: BrokerConfig, bound: readonly BoundListener[]) {
  const advertised = new Map(config.advertisedListeners.map((l) => [l.name, l]));
  return bound.map((l) => {
    const adv = advertised.get(l.name);
    return {
      name: l.name,
      host: reachableHost(adv?.host || l.host, config.standalone),
      port: adv && adv.port !== 0 ? adv.port : l.boundPort,
      securityProtocol: SECURITY_PROTOCOL_IDS[l.securityProtocol] ?? 0,
    };
  });
}

/** The channel from this node to the active controller, following the quorum this node replicates. */
export function controllerChannelFor(
  config: BrokerConfig,
  quorum: MetadataQuorum,
  log: Logger,
  timer: DeadlineTimer,
  peer?: PeerConnector,
): ControllerChannel {
  return new ControllerChannel({
    peer,
    controllers: () => {
      const out = new Map<number, Endpoint>();
      for (const id of quorum.status().voters) {
        const a = id >= 0 ? quorum.directory.addressOf(id) : null;
        if (a) out.set(id, a);
      }
      return out;
    },
    bootstrap: () => config.controllerQuorumBootstrapServers,
    activeController: () => quorum.status().leaderId,
    clientId: `broker-${config.nodeId}-to-controller`,
    log,
    timer,
    requestTimeoutMs: config.controllerSocketTimeoutMs,
    retryBackoffMs: config.controllerQuorumRetryBackoffMs,
    connectTimeoutMs: config.controllerQuorumRequestTimeoutMs,
  });
}

export function quorumView(quorum: MetadataQuorum, publisher: MetadataPublisher): QuorumView {
  return {
    status: () => quorum.status(),
    replicaStatuses: () => quorum.driver.replicaStatuses(),
    tickMs: 50,
    voter: (id) => quorum.directory.get(id),
    controllerEndpoints: () => {
      const registered = [...publisher.latest.controllers.values()];
      if (registered.length > 0)
        return registered
          .map((c) => ({ id: c.id, host: c.endpoints[0]?.host ?? '', port: c.endpoints[0]?.port ?? 0 }))
          .sort((a, b) => a.id - b.id);
      return quorum
        .status()
        .voters.map((id) => ({ id, address: quorum.directory.addressOf(id) }))
        .filter((v) => v.address !== null)
        .map((v) => ({ id: v.id, host: v.address?.host ?? '', port: v.address?.port ?? 0 }));
    },
  };
}

type Answer = { errorCode: number; errorMessage: string | null };
const ok: Answer = { errorCode: ErrorCode.NONE, errorMessage: null };

function refusal(r: ProposeResult & { ok: false }): Answer | null {
  switch (r.error) {
    case 'NOT_LEADER_OR_FOLLOWER':
      return {
        errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER,
        errorMessage: 'this controller is not the quorum leader',
      };
    case 'DUPLICATE_VOTER':
      return { errorCode: ErrorCode.DUPLICATE_VOTER, errorMessage: 'the replica is already a voter' };
    case 'VOTER_NOT_FOUND':
      return { errorCode: ErrorCode.VOTER_NOT_FOUND, errorMessage: 'no voter with that id' };
    case 'INVALID_REQUEST':
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'the last voter cannot be removed' };
    default:
      // Not caught up yet, an earlier change or the leader's epoch still uncommitted: try again.
      return null;
  }
}

/** KIP-853 voter changes through the Raft core, waiting (bounded) for catch-up and for the commit. */
export function voterChanges(
  quorum: MetadataQuorum,
  _controller: QuorumController,
  log: Logger,
): VoterChanges {
  const change = async (
    what: string,
    attempt: (n: RaftNode) => ProposeResult,
    done: () => boolean,
  ): Promise<Answer> => {
    if (quorum.kraftVersion === 0)
      return {
        errorCode: ErrorCode.UNSUPPORTED_VERSION,
        errorMessage: `Cluster doesn't support ${what} because the kraft.version feature is 0`,
      };
    const deadline = Date.now() + VOTER_CHANGE_TIMEOUT_MS;
    for (;;) {
      const r = quorum.driver.with(attempt);
      if (r.ok) break;
      const refused = refusal(r);
      if (refused) return refused;
      if (Date.now() >= deadline)
        return { errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: `${what} timed out (${r.error})` };
      await new Promise((res) => setTimeout(res, 50));
    }
    while (!done()) {
      if (Date.now() >= deadline)
        return { errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: `${what} did not commit in time` };
      await new Promise((res) => setTimeout(res, 20));
    }
    log.info(`${what} committed`, { voters: quorum.status().voters });
    return ok;
  };
  const committedVoters = () => {
    const s = quorum.status();
    return s.highWatermark >= s.logEndOffset ? s.voters : null;
  };
  return {
    add(voter) {
      quorum.directory.learn(voter);
      return change(
        'adding a voter',
        (n) => n.addVoter(voter.id),
        () => committedVoters()?.includes(voter.id) === true,
      );
    },
    remove(voterId, directoryId) {
      const known = quorum.directory.get(voterId);
      if (
        known &&
        directoryId !== NO_DIRECTORY_ID &&
        known.directoryId !== NO_DIRECTORY_ID &&
        known.directoryId !== directoryId
      )
        return Promise.resolve({
          errorCode: ErrorCode.VOTER_NOT_FOUND,
          errorMessage: `voter ${voterId} has another directory id`,
        });
      return change(
        'removing a voter',
        (n) => n.removeVoter(voterId),
        () => committedVoters()?.includes(voterId) === false,
      );
    },
    async update(voter) {
      quorum.directory.learn(voter);
      return quorum.status().role === 'leader'
        ? ok
        : {
            errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER,
            errorMessage: 'this controller is not the quorum leader',
          };
    },
  };
}
