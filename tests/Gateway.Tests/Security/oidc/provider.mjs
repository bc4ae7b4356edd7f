// A real OpenID provider (oidc-provider) on loopback for the gateway's tests.
//   PORT=...     port to listen on (127.0.0.1)
//   KEY_ID=...   suffix of the kids of this run's keys: restarting with another KEY_ID is a key rotation
// Keys are generated at start (RSA for RS256, P-256 for ES256). Tokens: client_credentials grant, client
// 'gateway-test' / 'test-secret', JWT access tokens for any 'resource' (audience); a resource containing
// 'es256' is signed with ES256, any other with RS256. Prints 'ready <issuer>' when listening.
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const keyId = process.env.KEY_ID ?? 'k1';
const issuer = `http://127.0.0.1:${port}`;
const privateJwk = (type, options) => generateKeyPairSync(type, options).privateKey.export({ format: 'jwk' });

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'gateway-test',
    client_secret: 'test-secret',
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  jwks: {
    keys: [
      { ...privateJwk('rsa', { modulusLength: 2048 }), kid: `rsa-${keyId}`, use: 'sig', alg: 'RS256' },
      { ...privateJwk('ec', { namedCurve: 'P-256' }), kid: `ec-${keyId}`, use: 'sig', alg: 'ES256' },
    ],
  },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'https://api.gateway.test',
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource) => ({
        scope: 'api',
        audience: resource,
        accessTokenFormat: 'jwt',
        accessTokenTTL: 300,
        jwt: { sign: { alg: resource.includes('es256') ? 'ES256' : 'RS256' } },
      }),
    },
  },
});

// Counts JWKS fetches, so that tests can see the gateway's refetch on an unknown kid and its rate limit.
let jwksHits = 0;
provider.use(async (ctx, next) => {
  if (ctx.path === '/test/jwks-hits') {
    ctx.body = { hits: jwksHits };
    return;
  }

  if (ctx.path === '/jwks') {
    jwksHits += 1;
  }

  await next();
});

const server = provider.listen(port, '127.0.0.1', () => console.log(`ready ${issuer}`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The test process owns this one: when it closes stdin (or dies), stop.
process.stdin.on('end', stop);
process.stdin.resume();
