// The cluster: brokers, the metadata quorum, partition health, disk use per broker and log dir,
// features and API versions.
import type { ClusterInfo, SessionInfo } from '../../api-types';
import { ErrorBox, Loading, Stat, useData } from '../components';
import { bytes, count, time } from '../format';

export function ClusterPage({ session }: { session: SessionInfo }) {
  const { data, error } = useData<ClusterInfo>('/api/cluster', session.refreshMs);
  return (
    <section>
      <h1>Cluster</h1>
      <ErrorBox error={error} />
      {!data ? !error && <Loading what="the cluster" /> : <ClusterView c={data} />}
    </section>
  );
}

function ClusterView({ c }: { c: ClusterInfo }) {
  return (
    <div data-ready="cluster">
      <div class="stats">
        <Stat label="brokers" value={c.brokers.filter((b) => !b.fenced).length} />
        <Stat label="controller" value={c.controllerId >= 0 ? c.controllerId : '—'} />
        <Stat label="topics" value={count(c.topics)} />
        <Stat label="partitions" value={count(c.partitions)} />
        <Stat label="under-replicated" value={count(c.underReplicated)} warn={c.underReplicated > 0} />
        <Stat label="offline" value={count(c.offline)} warn={c.offline > 0} />
      </div>
      <p class="muted">Cluster id {c.clusterId ?? '—'}</p>
      <h2>Brokers</h2>
      <table>
        <thead>
          <tr>
            <th>id</th>
            <th>address</th>
            <th>rack</th>
            <th>role</th>
            <th>state</th>
            <th class="num">leaders</th>
            <th class="num">replicas</th>
            <th class="num">data</th>
          </tr>
        </thead>
        <tbody>
          {c.brokers.map((b) => (
            <tr key={b.nodeId} data-broker={b.nodeId}>
              <td>{b.nodeId}</td>
              <td>{b.host ? `${b.host}:${b.port}` : '—'}</td>
              <td>{b.rack ?? '—'}</td>
              <td>{b.controller ? <span class="badge">controller</span> : 'broker'}</td>
              <td>
                {b.fenced ? (
                  <span class="badge warn">fenced</span>
                ) : b.reachable ? (
                  <span class="badge ok">unfenced</span>
                ) : (
                  <span class="badge bad" title="listed by the cluster, but the console cannot connect to it">
                    unreachable
                  </span>
                )}
              </td>
              <td class="num">{count(b.leaderPartitions)}</td>
              <td class="num">{count(b.replicaPartitions)}</td>
              <td class="num">{bytes(b.sizeBytes)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Quorum c={c} />
      <h2>Disk use</h2>
      <ErrorBox error={c.logDirsError} />
      <table>
        <thead>
          <tr>
            <th>broker</th>
            <th>log dir</th>
            <th class="num">partitions</th>
            <th class="num">data</th>
            <th class="num">free</th>
            <th class="num">total</th>
            <th>state</th>
          </tr>
        </thead>
        <tbody>
          {c.logDirs.map((d) => (
            <tr key={`${d.broker}:${d.logDir}`}>
              <td>{d.broker}</td>
              <td class="mono">{d.logDir}</td>
              <td class="num">{count(d.partitions)}</td>
              <td class="num">{bytes(d.sizeBytes)}</td>
              <td class="num">{bytes(d.usableBytes)}</td>
              <td class="num">{bytes(d.totalBytes)}</td>
              <td>{d.error ?? 'online'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Features c={c} />
    </div>
  );
}

function Quorum({ c }: { c: ClusterInfo }) {
  const q = c.quorum;
  return (
    <>
      <h2>Metadata quorum</h2>
      {'unavailable' in q ? (
        <p class="muted">Not shown: {q.unavailable}.</p>
      ) : (
        <>
          <p>
            Leader {q.leaderId}, epoch {q.leaderEpoch}, high watermark {count(q.highWatermark)}
          </p>
          <table class="quorum">
            <thead>
              <tr>
                <th>node</th>
                <th>role</th>
                <th class="num">log end</th>
                <th class="num">lag</th>
                <th>last fetch</th>
                <th>last caught up</th>
              </tr>
            </thead>
            <tbody>
              {[
                ...q.voters.map((v) => ({ ...v, role: v.replicaId === q.leaderId ? 'leader' : 'voter' })),
                ...q.observers.map((o) => ({ ...o, role: 'observer' })),
              ].map((r) => (
                <tr key={`${r.role}${r.replicaId}`}>
                  <td>{r.replicaId}</td>
                  <td>{r.role}</td>
                  <td class="num">{count(r.logEndOffset)}</td>
                  <td class="num">{count(r.lag)}</td>
                  <td>{time(r.lastFetchTimestamp)}</td>
                  <td>{time(r.lastCaughtUpTimestamp)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}

function Features({ c }: { c: ClusterInfo }) {
  return (
    <>
      <h2>Versions and features</h2>
      <table>
        <thead>
          <tr>
            <th>broker</th>
            <th>finalized features</th>
            <th>supported features</th>
          </tr>
        </thead>
        <tbody>
          {c.features.map((f) => (
            <tr key={f.nodeId}>
              <td>{f.nodeId}</td>
              <td>{f.finalized.map((x) => `${x.name}=${x.level}`).join(', ') || '—'}</td>
              <td>{f.supported.map((x) => `${x.name} ${x.min}–${x.max}`).join(', ') || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {c.apiVersions.map((b) => (
        <details key={b.nodeId}>
          <summary>
            API versions of broker {b.nodeId} ({b.apis.length} APIs)
          </summary>
          <div class="api-grid">
            {b.apis.map((a) => (
              <span key={a.apiKey}>
                {a.name} <span class="muted">{a.min === a.max ? `v${a.max}` : `v${a.min}–${a.max}`}</span>
              </span>
            ))}
          </div>
        </details>
      ))}
    </>
  );
}
