// A real OpenID provider (npm oidc-provider) for OciCache's sign-in tests, on 127.0.0.1 only.
// One confidential client (client_secret_basic, PKCE required), one user with a password and groups,
// and small login and consent pages of its own (plain HTML forms, so a test can post them without a browser
// and a headless browser can fill them in).
//
// node provider.js --port P --redirect-uri URI [--client-id ID] [--client-secret S]
//                  [--user alice] [--password P] [--groups admins,devs] [--email alice@example.test]
// Prints "listening <issuer>" once it serves; the tests wait for its discovery document.
import http from 'node:http';
import { parseArgs } from 'node:util';
import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'client-id': { type: 'string', default: 'ocicache' },
    'client-secret': { type: 'string', default: 'ocicache-test-secret' },
    user: { type: 'string', default: 'alice' },
    password: { type: 'string', default: 'alice-password' },
    groups: { type: 'string', default: 'admins' },
    email: { type: 'string', default: 'alice@example.test' },
  },
});

const issuer = `http://127.0.0.1:${args.port}`;
const user = { login: args.user, password: args.password, email: args.email, groups: args.groups.split(',').filter(Boolean) };

const provider = new Provider(issuer, {
  clients: [{
    client_id: args['client-id'],
    client_secret: args['client-secret'],
    redirect_uris: args['redirect-uri'] ?? [],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  async findAccount(ctx, id) {
    if (id !== user.login) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, preferred_username: id, email: user.email, email_verified: true, groups: user.groups };
      },
    };
  },
  claims: { openid: ['sub'], profile: ['preferred_username'], email: ['email', 'email_verified'], groups: ['groups'] },
  scopes: ['openid', 'profile', 'email', 'groups'],
  conformIdTokenClaims: false, // the scope's claims in the ID token itself: OciCache reads no userinfo
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['test-only-cookie-key'] },
});

const page = (title, body) => `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;

async function readForm(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return new URLSearchParams(text);
}

function send(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(html);
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt, params } = details;
  if (req.method === 'GET' && prompt.name === 'login') {
    return send(res, 200, page('Sign in', `<form method="post" action="/interaction/${uid}/login">
      <label>User <input name="login" autocomplete="username"></label>
      <label>Password <input name="password" type="password" autocomplete="current-password"></label>
      <button type="submit">Sign in</button></form>`));
  }
  if (req.method === 'GET') {
    return send(res, 200, page('Authorize', `<p>${params.client_id} asks for ${params.scope}</p>
      <form method="post" action="/interaction/${uid}/confirm"><button type="submit">Continue</button></form>`));
  }
  if (req.url.endsWith('/login')) {
    const form = await readForm(req);
    if (form.get('login') !== user.login || form.get('password') !== user.password) {
      return send(res, 401, page('Sign in', '<p>Wrong user name or password.</p>'));
    }
    return provider.interactionFinished(req, res, { login: { accountId: user.login } }, { mergeWithLastSubmission: false });
  }
  const { accountId } = details.session;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((e) => send(res, 400, page('Error', `<p>${e.name}</p>`)));
    return;
  }
  callback(req, res);
});
server.listen(Number(args.port), '127.0.0.1', () => console.log(`listening ${issuer}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
