// A real OpenID Provider (panva's certified oidc-provider) for the tests in tests/oauth.
//
//   node server.mjs [port]        (or PORT=...; 0 or nothing picks a free port)
//
// Environment:
//   OIDC_REDIRECT_URIS  space-separated redirect URIs registered for both clients
//   OIDC_CLIENT_SECRET  the confidential client's secret (random if unset)
//   OIDC_ACCESS_TOKEN_TTL  access token lifetime in seconds (oidc-provider's default if unset)
//
// Both clients may use refresh tokens: the provider issues one when the authorization request
// asks for the offline_access scope with prompt=consent (its default issueRefreshToken policy).
// It rotates the public client's refresh tokens, and keeps the confidential client's.
//
// On start it prints one JSON line to stdout: {"issuer", "port", "clients": {...}, "kid"}.
// Every start makes a new RS256 signing key, so a restart on the same port is a key rotation.
//
// The provider itself is untouched: its own discovery, authorization, devInteractions
// login/consent pages, token, userinfo and JWKS endpoints. For the negative tests there is
// one extra route outside it, POST /__test/token/<defect>: it forwards the request to the
// real token endpoint (so the code, client authentication and PKCE are really checked) and
// then re-issues the ID token with one defect. Only a test that points a provider's token
// endpoint there ever sees it.

import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const CONFIDENTIAL = {
  client_id: 'authsession-confidential',
  client_secret: process.env.OIDC_CLIENT_SECRET || randomBytes(24).toString('base64url'),
};
const PUBLIC = { client_id: 'authsession-public' };

const ACCOUNTS = new Map([
  ['alice', { sub: 'alice', name: 'Alice Liddell', email: 'Alice@Example.COM', email_verified: true }],
  ['bob', { sub: 'bob', name: 'Bob Tables', email: 'bob@example.com', email_verified: false }],
]);

async function findAccount(ctx, id) {
  const record = ACCOUNTS.get(id);
  if (!record) return undefined;
  return {
    accountId: id,
    async claims() {
      return { ...record };
    },
  };
}

async function signingKey() {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  jwk.kid = await jose.calculateJwkThumbprint(jwk);
  jwk.alg = 'RS256';
  jwk.use = 'sig';
  return { jwk, privateKey };
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

// The defects an ID token can have; each must make a relying party refuse the sign-in.
async function forge(idToken, defect, { issuer, kid, privateKey }) {
  const claims = jose.decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  let key = privateKey;
  let header = { alg: 'RS256', kid };
  switch (defect) {
    case 'iss':
      claims.iss = `${issuer}/someone-else`;
      break;
    case 'aud':
      claims.aud = 'another-client';
      delete claims.azp;
      break;
    case 'expired':
      claims.iat = now - 7200;
      claims.exp = now - 3600;
      break;
    case 'nonce':
      claims.nonce = randomBytes(32).toString('base64url');
      break;
    case 'key': // same kid, but signed by a key the provider never published
      key = (await signingKey()).privateKey;
      break;
    case 'kid': // a kid the JWKS does not have
      key = (await signingKey()).privateKey;
      header = { alg: 'RS256', kid: 'not-in-the-jwks' };
      break;
    case 'none': {
      const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
      return `${part({ alg: 'none' })}.${part(claims)}.`;
    }
    default:
      throw new Error(`unknown defect ${defect}`);
  }
  return new jose.SignJWT(claims).setProtectedHeader(header).sign(key);
}

async function defectiveToken(req, res, defect, keys) {
  const body = await readBody(req);
  const headers = { 'content-type': req.headers['content-type'] ?? 'application/x-www-form-urlencoded' };
  if (req.headers.authorization) headers.authorization = req.headers.authorization;
  const upstream = await fetch(`${keys.issuer}/token`, { method: 'POST', headers, body });
  const tokens = await upstream.json();
  if (upstream.ok && typeof tokens.id_token === 'string') {
    tokens.id_token = await forge(tokens.id_token, defect, keys);
  }
  res.writeHead(upstream.status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(tokens));
}

async function main() {
  const requested = Number.parseInt(process.argv[2] ?? process.env.PORT ?? '0', 10);
  const redirectUris = (process.env.OIDC_REDIRECT_URIS ?? '').split(/\s+/).filter(Boolean);
  if (redirectUris.length === 0) throw new Error('set OIDC_REDIRECT_URIS');
  const ttl = {};
  if (process.env.OIDC_ACCESS_TOKEN_TTL) {
    ttl.AccessToken = Number.parseInt(process.env.OIDC_ACCESS_TOKEN_TTL, 10);
    if (!(ttl.AccessToken > 0)) throw new Error('OIDC_ACCESS_TOKEN_TTL must be a positive number of seconds');
  }
  const grantTypes = ['authorization_code', 'refresh_token'];

  let route = (req, res) => {
    res.writeHead(503);
    res.end();
  };
  const server = createServer((req, res) => route(req, res));
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(requested, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const { jwk, privateKey } = await signingKey();

  const provider = new Provider(issuer, {
    clients: [
      {
        ...CONFIDENTIAL,
        redirect_uris: redirectUris,
        grant_types: grantTypes,
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        ...PUBLIC,
        redirect_uris: redirectUris,
        grant_types: grantTypes,
        token_endpoint_auth_method: 'none',
      },
    ],
    ttl,
    jwks: { keys: [jwk] },
    findAccount,
    claims: {
      openid: ['sub'],
      profile: ['name'],
      email: ['email', 'email_verified'],
    },
    // NextAuth reads the profile from the ID token of an OIDC provider, so put the scope's
    // claims there too (OpenID Connect Core §5.4 would keep them for the userinfo endpoint).
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true } },
    pkce: { required: (ctx, client) => client.clientAuthMethod === 'none' },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
  });
  const forgery = { issuer, kid: jwk.kid, privateKey };
  for (const event of ['server_error', 'grant.error', 'authorization.error', 'userinfo.error']) {
    provider.on(event, (...args) => {
      const error = args.find((arg) => arg instanceof Error);
      console.error(`[oidc] ${event}: ${error?.message ?? ''} ${error?.error_description ?? ''}`);
    });
  }

  const handler = provider.callback();
  route = (req, res) => {
    const match = /^\/__test\/token\/([a-z]+)$/.exec(req.url ?? '');
    if (req.method === 'POST' && match) {
      defectiveToken(req, res, match[1], forgery).catch((error) => {
        console.error(`[oidc] defective token: ${error.message}`);
        res.writeHead(500);
        res.end();
      });
      return;
    }
    handler(req, res);
  };

  const shutdown = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  console.log(JSON.stringify({ issuer, port, kid: jwk.kid, clients: { confidential: CONFIDENTIAL, public: PUBLIC } }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
