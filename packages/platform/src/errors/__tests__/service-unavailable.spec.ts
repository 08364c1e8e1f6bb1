import { createServer, type AddressInfo } from 'node:net';
import { Client } from 'pg';
import { isDatabaseUnavailable, serviceUnavailable } from '../service-unavailable';

/** The error node-postgres gives when connecting to `port`. */
async function connectError(port: number): Promise<unknown> {
  const client = new Client({ host: '127.0.0.1', port, user: 'postgres', connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  return client.connect().then(
    () => new Error('connected unexpectedly'),
    (error: unknown) => error,
  );
}

describe('isDatabaseUnavailable', () => {
  it('should recognise a refused connection when PostgreSQL is down', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    expect(isDatabaseUnavailable(await connectError(port))).toBe(true);
  });

  it('should recognise a connection dropped by the server or the network', async () => {
    const dropping = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve));
    const { port } = dropping.address() as AddressInfo;

    const error = await connectError(port);
    dropping.close();

    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('should recognise a driver error wrapped by TypeORM and SQLSTATE connection classes', () => {
    expect(isDatabaseUnavailable({ driverError: { code: '57P01' } })).toBe(true);
    expect(isDatabaseUnavailable(new Error('query failed', { cause: { code: '08006' } }))).toBe(true);
  });

  it('should not treat a failed statement as an outage', () => {
    expect(
      isDatabaseUnavailable({ code: '23505', message: 'duplicate key value violates unique constraint' }),
    ).toBe(false);
    expect(isDatabaseUnavailable(new Error('column "x" does not exist'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});

describe('serviceUnavailable', () => {
  it('should name the service and the wait, and nothing else, when built', () => {
    const error = serviceUnavailable('tickets', 'DATABASE_UNAVAILABLE');

    expect(error.message).toBe('The tickets service cannot reach its database; retry in 5 s.');
    expect(error.extensions).toEqual({
      code: 'SERVICE_UNAVAILABLE',
      reason: 'DATABASE_UNAVAILABLE',
      service: 'tickets',
      retryable: true,
      retryAfterSeconds: 5,
    });
  });
});
