// Topics a request creates on the side: `__consumer_offsets` on the first FindCoordinator, unknown
// topics named in Metadata when auto-creation is on. As in Kafka, the request that starts a creation
// does not wait for it: it answers that the topic is not ready yet (COORDINATOR_NOT_AVAILABLE,
// LEADER_NOT_AVAILABLE) and clients ask again. A topic being created is not created twice.
import type { CreatableTopic } from '../../metadata/controller.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { BrokerServices } from './services.js';

/** Names being created, per node. */
const inFlight = new WeakMap<BrokerServices, Set<string>>();

/** Starts creating the topics not already under way; failures are logged (the next request retries). */
export function createInBackground(services: BrokerServices, topics: readonly CreatableTopic[]): void {
  let names = inFlight.get(services);
  if (!names) {
    names = new Set();
    inFlight.set(services, names);
  }
  const fresh = topics.filter((t) => !names.has(t.name));
  if (fresh.length === 0) return;
  for (const t of fresh) names.add(t.name);
  const done = () => {
    for (const t of fresh) names.delete(t.name);
  };
  services.controller.createTopics(fresh).then(
    (results) => {
      done();
      for (const r of results) {
        if (r.errorCode === ErrorCode.NONE || r.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS) continue;
        services.log.warn('could not create a topic on first use', {
          topic: r.name,
          errorCode: r.errorCode,
          message: r.errorMessage,
        });
      }
    },
    (err: unknown) => {
      done();
      services.log.error('could not create a topic on first use', { err: String(err) });
    },
  );
}
