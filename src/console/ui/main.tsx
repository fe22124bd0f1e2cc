// The console's page: asks the server who we are (logging in when the console requires it), then
// shows the navigation and the page the URL hash names.
import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { SessionInfo } from '../api-types';
import { api, setCsrfToken } from './api';
import { ErrorBox } from './components';
import { ClusterPage } from './pages/cluster';
import { GroupPage } from './pages/group';
import { GroupsPage } from './pages/groups';
import { LoginPage } from './pages/login';
import { SecurityPage } from './pages/security';
import { TopicPage } from './pages/topic';
import { TopicsPage } from './pages/topics';
import { href, useRoute } from './router';
import './styles.css';

/** Navigation entries. */
const NAV: { section: string; label: string }[] = [
  { section: '', label: 'Cluster' },
  { section: 'topics', label: 'Topics' },
  { section: 'groups', label: 'Consumer groups' },
  { section: 'security', label: 'Security' },
];

function Page({ route, session }: { route: string[]; session: SessionInfo }) {
  const [section, id, tab] = route;
  if (section === 'topics' && id) return <TopicPage name={id} tab={tab ?? 'partitions'} session={session} />;
  if (section === 'topics') return <TopicsPage session={session} />;
  if (section === 'groups' && id) return <GroupPage groupId={id} session={session} />;
  if (section === 'groups') return <GroupsPage session={session} />;
  if (section === 'security') return <SecurityPage session={session} />;
  return <ClusterPage session={session} />;
}

function App() {
  const route = useRoute();
  const [session, setSession] = useState<SessionInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    api<SessionInfo>('/api/session').then(
      (s) => {
        setCsrfToken(s.csrfToken);
        setSession(s);
      },
      (e: Error) => setError(e.message),
    );
  }, []);
  useEffect(load, []);
  if (error) return <ErrorBox error={error} />;
  if (!session) return null;
  if (!session.authenticated) return <LoginPage auth={session.auth} onLoggedIn={load} />;
  const logout = async () => {
    await api('/api/logout', { method: 'POST' }).catch(() => {});
    load();
  };
  return (
    <div class="layout">
      <nav class="sidebar">
        <a class="brand" href="#/">
          Samsa
        </a>
        {NAV.map((n) => (
          <a
            key={n.section}
            href={href(...(n.section ? [n.section] : []))}
            class={(route[0] ?? '') === n.section ? 'active' : ''}
          >
            {n.label}
          </a>
        ))}
        <div class="sidebar-foot">
          <div class="muted" title="bootstrap servers">
            {session.bootstrap}
          </div>
          {session.readOnly && <div class="badge">read-only</div>}
          {session.user && (
            <button type="button" class="link" onClick={logout}>
              Log out {session.user}
            </button>
          )}
        </div>
      </nav>
      <main>
        <Page route={route} session={session} />
      </main>
    </div>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
