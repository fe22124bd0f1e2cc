// The login form: user name and password (console.auth=basic) or a token (console.auth=token).
import { useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorBox, useAction } from '../components';

export function LoginPage({
  auth,
  onLoggedIn,
}: {
  auth: 'none' | 'basic' | 'token';
  onLoggedIn: () => void;
}) {
  const [user, setUser] = useState('');
  const [secret, setSecret] = useState('');
  const act = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = auth === 'basic' ? { user, password: secret } : { token: secret };
    if (await act.run(() => api('/api/login', { method: 'POST', body }))) onLoggedIn();
  };
  return (
    <form class="login" onSubmit={submit}>
      <h1>Samsa console</h1>
      {auth === 'basic' && (
        <label>
          User name
          <input
            name="user"
            autoComplete="username"
            value={user}
            onInput={(e) => setUser(e.currentTarget.value)}
          />
        </label>
      )}
      <label>
        {auth === 'basic' ? 'Password' : 'Token'}
        <input
          name="secret"
          type="password"
          autoComplete={auth === 'basic' ? 'current-password' : 'off'}
          value={secret}
          onInput={(e) => setSecret(e.currentTarget.value)}
        />
      </label>
      <ErrorBox error={act.error} />
      <button type="submit" class="primary" disabled={act.busy}>
        Log in
      </button>
    </form>
  );
}
