import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { AuthenticationError, signDevelopmentToken, TokenVerifier } from '../jwt';

const ISSUER = 'https://id.deskgraph.test';
const AUDIENCE = 'deskgraph-api';

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: KeyLike;
}

function sign(key: SigningKey, claims: { iss?: string; aud?: string; exp?: number | string } = {}) {
  return new SignJWT({ roles: ['supervisor'], queues: ['general'] })
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .setSubject('sup-1')
    .setIssuer(claims.iss ?? ISSUER)
    .setAudience(claims.aud ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(claims.exp ?? '5m')
    .sign(key.privateKey);
}

describe('TokenVerifier with a JWKS URL', () => {
  let server: Server;
  let jwksUrl: string;
  let rsa: SigningKey;
  let ec: SigningKey;
  let unpublished: SigningKey;

  beforeAll(async () => {
    const keys: JWK[] = [];
    const make = async (kid: string, alg: SigningKey['alg'], publish: boolean): Promise<SigningKey> => {
      const pair = await generateKeyPair(alg);
      if (publish) keys.push({ ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' });
      return { kid, alg, privateKey: pair.privateKey };
    };
    rsa = await make('rsa-1', 'RS256', true);
    ec = await make('ec-1', 'ES256', true);
    unpublished = await make('rsa-2', 'RS256', false);
    server = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const verifier = () =>
    new TokenVerifier({
      jwksUrl,
      secret: undefined,
      issuer: ISSUER,
      audience: AUDIENCE,
      allowedOrigins: ['*'],
      seedClock: false,
    });

  it.each(['RS256', 'ES256'])('should accept a %s token whose key the JWKS publishes', async (alg) => {
    const token = await sign(alg === 'RS256' ? rsa : ec);

    const { identity, expiresAt } = await verifier().verify(token);

    expect(identity).toEqual({
      userId: 'sup-1',
      roles: ['supervisor'],
      queueIds: ['general'],
      customerId: null,
    });
    expect(expiresAt).toBeGreaterThan(Date.now());
  });

  it('should refuse a token when its key is not in the JWKS', async () => {
    await expect(verifier().verify(await sign(unpublished))).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('should refuse a token when the issuer is not the configured one', async () => {
    await expect(verifier().verify(await sign(rsa, { iss: 'https://evil.test' }))).rejects.toThrow(/iss/);
  });

  it('should refuse a token when the audience is not the configured one', async () => {
    await expect(verifier().verify(await sign(rsa, { aud: 'another-api' }))).rejects.toThrow(/aud/);
  });

  it('should report expiry distinctly when the token has expired', async () => {
    const token = await sign(ec, { exp: Math.floor(Date.now() / 1000) - 60 });

    await expect(verifier().verify(token)).rejects.toMatchObject({ expired: true });
  });

  it('should refuse an HS256 token when the gateway verifies with a JWKS', async () => {
    const token = await signDevelopmentToken({
      secret: 'deskgraph-development-jwt-secret',
      issuer: ISSUER,
      audience: AUDIENCE,
      userId: 'forger',
      roles: ['admin'],
      queueIds: [],
      expiresIn: '5m',
    });

    await expect(verifier().verify(token)).rejects.toThrow(/alg/);
  });
});

describe('TokenVerifier cache of verified tokens', () => {
  const SECRET = 'deskgraph-cache-test-secret-0123456789';
  const config = {
    secret: SECRET,
    jwksUrl: undefined,
    issuer: 'deskgraph',
    audience: 'deskgraph',
    allowedOrigins: ['*'],
    seedClock: false,
  };
  const token = (userId: string, expiresIn: string | number = '10m') =>
    signDevelopmentToken({
      secret: SECRET,
      issuer: 'deskgraph',
      audience: 'deskgraph',
      userId,
      roles: ['agent'],
      queueIds: ['general'],
      expiresIn,
    });
  const clock = () => {
    const state = { now: Date.now() };
    return { state, now: () => state.now };
  };

  it('should answer a repeated token from the cache when it was verified before', async () => {
    const verifier = new TokenVerifier(config);
    const raw = await token('agent-1');

    const first = await verifier.verify(raw);
    const second = await verifier.verify(raw);

    expect(second).toBe(first);
    expect(second.identity).toEqual({
      userId: 'agent-1',
      roles: ['agent'],
      queueIds: ['general'],
      customerId: null,
    });
  });

  it('should refuse a cached token as expired when its exp has passed', async () => {
    const time = clock();
    const verifier = new TokenVerifier(config, { now: time.now, maxAgeMs: 3_600_000 });
    const raw = await token('agent-2', '2m');
    const { expiresAt } = await verifier.verify(raw);

    time.state.now = expiresAt!;

    await expect(verifier.verify(raw)).rejects.toMatchObject({ expired: true });
  });

  it('should check the signature again when the entry is older than maxAgeMs', async () => {
    const time = clock();
    const verifier = new TokenVerifier(config, { now: time.now, maxAgeMs: 1_000 });
    const raw = await token('agent-3');
    const first = await verifier.verify(raw);

    time.state.now += 999;
    expect(await verifier.verify(raw)).toBe(first);
    time.state.now += 1;
    const again = await verifier.verify(raw);

    expect(again).not.toBe(first);
    expect(again.identity).toEqual(first.identity);
  });

  it('should forget the least recently used token when more than maxEntries are cached', async () => {
    const verifier = new TokenVerifier(config, { maxEntries: 1 });
    const [one, two] = [await token('agent-4'), await token('agent-5')];
    const first = await verifier.verify(one);

    await verifier.verify(two);

    expect(await verifier.verify(one)).not.toBe(first);
  });

  it('should refuse a bad token every time when it failed before', async () => {
    const verifier = new TokenVerifier(config);
    const forged = `${(await token('agent-6')).slice(0, -4)}AAAA`;

    await expect(verifier.verify(forged)).rejects.toBeInstanceOf(AuthenticationError);
    await expect(verifier.verify(forged)).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('should hand out identities nobody can alter when they are shared from the cache', async () => {
    const { identity } = await new TokenVerifier(config).verify(await token('agent-7'));

    expect(() => identity.roles.push('admin')).toThrow(TypeError);
    expect(() => Object.assign(identity, { userId: 'someone-else' })).toThrow(TypeError);
  });
});
