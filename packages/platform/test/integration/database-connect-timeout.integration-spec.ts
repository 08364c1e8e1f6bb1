import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServiceDataSource, databaseModel, isDatabaseUnavailable, parseEnvironment } from '../../src';

// A service's pool must not wait forever for a connection: a PostgreSQL that
// accepts TCP but never answers, or a pool whose connections are all busy,
// must fail the statement within DATABASE_CONNECT_TIMEOUT_SECONDS as an
// outage (SERVICE_UNAVAILABLE to the client), not hang the request.

const dataSourceFor = (url: string, poolSize: number, connectTimeoutMs: number) =>
  createServiceDataSource({
    database: { url, poolSize, connectTimeoutMs },
    schema: 'public',
    entities: [],
    migrations: [],
    applicationName: 'connect-timeout-test',
  });

async function failureOf(work: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  const error = await work.then(
    () => new Error('succeeded unexpectedly'),
    (failure: unknown) => failure,
  );
  return { error, ms: Date.now() - started };
}

describe('database connect timeout', () => {
  it('should read DATABASE_CONNECT_TIMEOUT_SECONDS, 30 s by default', () => {
    const url = 'postgres://postgres@127.0.0.1:5432/postgres';
    expect(
      parseEnvironment({ database: databaseModel }, { DATABASE_URL: url }).database.connectTimeoutMs,
    ).toBe(30_000);
    expect(
      parseEnvironment(
        { database: databaseModel },
        { DATABASE_URL: url, DATABASE_CONNECT_TIMEOUT_SECONDS: '3' },
      ).database.connectTimeoutMs,
    ).toBe(3_000);
  });

  describe('against a server that accepts and never answers', () => {
    let silent: Server;
    const sockets: Socket[] = [];
    let url: string;

    beforeAll(async () => {
      silent = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      url = `postgres://postgres@127.0.0.1:${(silent.address() as AddressInfo).port}/postgres`;
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });

    it('should fail to initialize as an outage after the timeout instead of hanging', async () => {
      const dataSource = dataSourceFor(url, 2, 500);

      const { error, ms } = await failureOf(dataSource.initialize());

      expect(isDatabaseUnavailable(error)).toBe(true);
      expect(ms).toBeGreaterThanOrEqual(400);
    }, 15_000);
  });

  describe('with every pooled connection busy', () => {
    const { database } = parseEnvironment({ database: databaseModel });
    const dataSource = dataSourceFor(database.url, 1, 500);

    beforeAll(() => dataSource.initialize());
    afterAll(() => dataSource.destroy());

    it('should fail a statement that cannot get a connection as an outage, then serve again once one is free', async () => {
      const holder = dataSource.createQueryRunner();
      await holder.connect();
      await holder.startTransaction();

      const { error } = await failureOf(dataSource.query('SELECT 1'));
      expect(isDatabaseUnavailable(error)).toBe(true);

      await holder.commitTransaction();
      await holder.release();
      expect(await dataSource.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    }, 15_000);
  });
});
