// confluent-kafka (Python) scripts for the tests of transactions across broker restarts and coordinator
// failovers, and a reader of the producer's progress lines.
import type { ChildProcess } from 'node:child_process';

/**
 * argv: bootstrap, topic, transactional id. Commits a transaction of 30 records ("c-i", partition i % 3)
 * and aborts one of 20 ("a-i"); before ending each it prints `produced <c|a> unflushed <n>` and waits for
 * a line on stdin (the test restarts or kills brokers there), then prints `ended <c|a>`, or
 * `ended <c|a> failed: <error>`.
 */
export const TXN_PRODUCER = `
import sys
from confluent_kafka import Producer, KafkaException
bs, topic, txn_id = sys.argv[1:4]
p = Producer({'bootstrap.servers': bs, 'transactional.id': txn_id, 'linger.ms': 5,
              'transaction.timeout.ms': 60000, 'message.timeout.ms': 60000, 'reconnect.backoff.max.ms': 500})
p.init_transactions(30)
def txn(prefix, n, commit):
    p.begin_transaction()
    for i in range(n): p.produce(topic, value=('%s-%d' % (prefix, i)).encode(), partition=i % 3)
    left = p.flush(30)
    print('produced', prefix, 'unflushed', left, flush=True)
    sys.stdin.readline()
    try:
        if commit: p.commit_transaction(60)
        else: p.abort_transaction(60)
        print('ended', prefix, flush=True)
    except KafkaException as e:
        print('ended', prefix, 'failed:', e.args[0].str(), flush=True)
txn('c', 30, True)
txn('a', 20, False)
`;

/** argv: bootstrap, topic, isolation level. Prints the sorted values of partitions 0-2 as JSON. */
export const TXN_READ_ALL = `
import sys, json, time
from confluent_kafka import Consumer, TopicPartition
bs, topic, iso = sys.argv[1:4]
c = Consumer({'bootstrap.servers': bs, 'group.id': 'r', 'isolation.level': iso, 'enable.auto.commit': False,
              'enable.partition.eof': True})
c.assign([TopicPartition(topic, p, 0) for p in range(3)])
got, eof, deadline = [], set(), time.time() + 20
while len(eof) < 3 and time.time() < deadline:
    m = c.poll(0.2)
    if m is None: continue
    if m.error():
        if m.error().code() == -191: eof.add(m.partition())
        continue
    eof.discard(m.partition())
    got.append(m.value().decode())
c.close()
print(json.dumps(sorted(got)))
`;

/** The producer's lines, each taken once by the first `next` whose prefix it has (earlier or later). */
export function lines(child: ChildProcess): { next(prefix: string): Promise<string> } {
  let buffer = '';
  const seen: string[] = [];
  const waiters: { prefix: string; resolve: (l: string) => void }[] = [];
  child.stdout?.on('data', (d: Buffer) => {
    buffer += d.toString();
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      const w = waiters.findIndex((x) => line.startsWith(x.prefix));
      if (w >= 0) waiters.splice(w, 1)[0].resolve(line);
      else seen.push(line);
    }
  });
  return {
    next: (prefix) => {
      const i = seen.findIndex((l) => l.startsWith(prefix));
      if (i >= 0) return Promise.resolve(seen.splice(i, 1)[0]);
      return new Promise((resolve, reject) => {
        waiters.push({ prefix, resolve });
        child.once('exit', (code) => reject(new Error(`producer exited (${code}) before '${prefix}'`)));
      });
    },
  };
}

export const COMMITTED = Array.from({ length: 30 }, (_, i) => `c-${i}`).sort();
export const ABORTED = Array.from({ length: 20 }, (_, i) => `a-${i}`);
