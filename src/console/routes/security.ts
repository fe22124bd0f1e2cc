// The security page's API: /api/security (ACLs, SCRAM users, quotas at once), and the changes. Changes
// pass the console's gate like every other (login, CSRF, read-only).
import type { Hono } from 'hono';
import type { AclRequest, QuotaRequest, UserRequest } from '../api-types.js';
import type { ConsoleContext } from '../context.js';
import { addAcl, deleteUser, removeAcl, securityOverview, setQuotas, setUser } from '../data/security.js';
import { bodyOf, respond } from './respond.js';

export function securityRoutes(app: Hono, ctx: ConsoleContext): void {
  app.get('/api/security', (c) => respond(c, () => securityOverview(ctx)));
  app.post('/api/security/acls', (c) => respond(c, async () => addAcl(ctx, await bodyOf<AclRequest>(c))));
  app.post('/api/security/acls/remove', (c) =>
    respond(c, async () => removeAcl(ctx, await bodyOf<AclRequest>(c))),
  );
  app.post('/api/security/users', (c) => respond(c, async () => setUser(ctx, await bodyOf<UserRequest>(c))));
  app.delete('/api/security/users/:user', (c) => respond(c, () => deleteUser(ctx, c.req.param('user'))));
  app.post('/api/security/quotas', (c) =>
    respond(c, async () => setQuotas(ctx, await bodyOf<QuotaRequest>(c))),
  );
}
