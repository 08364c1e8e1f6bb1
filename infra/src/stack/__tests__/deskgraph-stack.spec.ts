import { processEnvironment, SUBGRAPH_NAMES, type SubgraphName } from '../deskgraph-stack';

const subgraphPorts = Object.fromEntries(SUBGRAPH_NAMES.map((name, index) => [name, 4001 + index])) as Record<
  SubgraphName,
  number
>;
const stack = {
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/deskgraph',
  kafkaBrokers: '127.0.0.1:9092',
  namespace: 'desk',
  gatewayPort: 4000,
  subgraphPorts,
};

describe('processEnvironment', () => {
  it("should pass the user's settings through to every process", () => {
    const inheritedEnv = {
      SMTP_PORT: '2725',
      REDIS_URL: 'redis://127.0.0.1:6380',
      DESK_TIME_ZONE: 'Asia/Tokyo',
    };

    for (const name of [...SUBGRAPH_NAMES, 'gateway'] as const) {
      expect(processEnvironment(name, { ...stack, inheritedEnv })).toMatchObject(inheritedEnv);
    }
  });

  it("should keep the stack's ports, host and peers over the user's", () => {
    const inheritedEnv = {
      PORT: '9999',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgres://elsewhere/other',
      SUBGRAPH_URLS: 'tickets=http://elsewhere/graphql',
      TICKETS_URL: 'http://elsewhere/graphql',
    };

    const gateway = processEnvironment('gateway', { ...stack, inheritedEnv });
    const channels = processEnvironment('channels', { ...stack, inheritedEnv });

    expect(gateway).toMatchObject({ PORT: '4000', HOST: '127.0.0.1', DATABASE_URL: stack.databaseUrl });
    expect(gateway.SUBGRAPH_URLS.split(',')).toHaveLength(SUBGRAPH_NAMES.length);
    expect(gateway.SUBGRAPH_URLS).toContain('channels=http://127.0.0.1:4005/graphql');
    expect(channels).toMatchObject({
      PORT: '4005',
      HOST: '127.0.0.1',
      TICKETS_URL: 'http://127.0.0.1:4001/graphql',
    });
  });

  it('should bind the SMTP listener to the loopback host unless the user names one', () => {
    expect(processEnvironment('channels', stack).SMTP_HOST).toBe('127.0.0.1');
    expect(
      processEnvironment('channels', { ...stack, inheritedEnv: { SMTP_HOST: '0.0.0.0' } }).SMTP_HOST,
    ).toBe('0.0.0.0');
  });

  it('should hand a process nothing of the caller when no environment is inherited', () => {
    const environment = processEnvironment('tickets', { ...stack, env: { NODE_ENV: 'test' } });

    expect(Object.keys(environment).sort()).toEqual(
      ['DATABASE_URL', 'HOST', 'KAFKA_BROKERS', 'KAFKA_NAMESPACE', 'NODE_ENV', 'PORT'].sort(),
    );
  });

  it('should put processEnv over everything for its own process only', () => {
    const options = {
      ...stack,
      inheritedEnv: { SMTP_PORT: '2725' },
      processEnv: { channels: { SMTP_PORT: '0' } },
    };

    expect(processEnvironment('channels', options).SMTP_PORT).toBe('0');
    expect(processEnvironment('tickets', options).SMTP_PORT).toBe('2725');
  });
});
