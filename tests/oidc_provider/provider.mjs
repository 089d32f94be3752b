// A real OpenID provider for Observe's tests: panva's certified oidc-provider 8.8.1 (8.x is the
// line that supports Node 20; 9.x wants Node 22), with a plain sign-in page and test accounts.
//
// Configuration comes from one JSON file named by the first argument:
//   { "clients": [{client_id, client_secret, redirect_uris, post_logout_redirect_uris}],
//     "accounts": [{sub, email, email_verified, xms_edov, name, password}], "id_token_ttl": 300 }
// It listens on 127.0.0.1 on a free port and prints "listening http://127.0.0.1:PORT" once ready.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import querystring from 'node:querystring';

import Provider from 'oidc-provider';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));

// The suite may run with its clock moved (OBSERVE_TEST_TODAY, tests/conftest.py): the provider's clock
// stands where Observe's does, so tokens it signs are as fresh to Observe as from a real provider.
if (config.clock_offset_ms) {
  const realNow = Date.now;
  Date.now = () => realNow() + config.clock_offset_ms;
}
const accounts = new Map(config.accounts.map((a) => [a.sub, a]));

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid, error, email) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Test school account</title>
<style>body{font-family:sans-serif;max-width:24rem;margin:2rem auto;padding:0 1rem}
label,input,button{display:block;width:100%;margin:.3rem 0;font-size:1.1rem}input,button{padding:.5rem}
.error{color:#a00}</style></head><body>
<h1>Test school account</h1>${error ? `<p class="error">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login" autocomplete="off">
<label for="email">E-mail</label><input id="email" name="email" type="email" value="${escape(email || '')}" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" required>
<button type="submit">Sign in</button></form></body></html>`;
}

// A fresh signing key each run: the relying party must fetch it from jwks_uri (nothing hard-coded).
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), alg: 'RS256', use: 'sig' };

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: config.clients.map((c) => ({
      grant_types: ['authorization_code'], response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic', ...c,
    })),
    jwks: { keys: [signingKey] },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified', 'xms_edov'], profile: ['name'] },
    conformIdTokenClaims: false, // the scope's claims in the ID token itself, as Entra ID and Google do
    pkce: { methods: ['S256'], required: () => true },
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { IdToken: config.id_token_ttl || 300, AccessToken: 300, AuthorizationCode: 60, Interaction: 600,
           Session: 3600, Grant: 3600 },
    async findAccount(ctx, sub) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { sub, email: account.email, email_verified: account.email_verified, xms_edov: account.xms_edov,
            name: account.name };
        },
      };
    },
  });

  async function interaction(req, res, uid, action) {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'consent') {
      // Observe is the school's own app: consent is given by the school, as an admin grant does at Entra ID.
      const grant = details.grantId ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
      grant.addOIDCScope('openid email profile');
      await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } },
        { mergeWithLastSubmission: true });
      return;
    }
    if (action !== 'login') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage(uid));
      return;
    }
    let body = '';
    for await (const chunk of req) body += chunk;
    const form = querystring.parse(body);
    const account = [...accounts.values()].find((a) => a.email.toLowerCase() === String(form.email).toLowerCase());
    if (!account || account.password !== form.password) {
      res.writeHead(401, { 'content-type': 'text/html; charset=utf-8' })
        .end(loginPage(uid, 'Wrong e-mail or password.', form.email));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: account.sub } },
      { mergeWithLastSubmission: false });
  }

  const handle = provider.callback();
  server.on('request', (req, res) => {
    const match = req.url.match(/^\/interaction\/([\w-]+)(?:\/(login))?$/);
    if (!match) { handle(req, res); return; }
    interaction(req, res, match[1], req.method === 'POST' ? match[2] : undefined).catch((err) => {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`interaction failed: ${err.message}`);
    });
  });
  process.stdout.write(`listening ${issuer}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
// The test run holds our stdin open: when it ends, even killed, so does the provider (no orphan server).
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
