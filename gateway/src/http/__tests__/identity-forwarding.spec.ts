import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError } from 'graphql';
import { ANONYMOUS, createLogger } from '@deskgraph/platform';
import { IdentityForwardingDataSource, IdentitySigner } from '../identity-forwarding';

describe('IdentityForwardingDataSource', () => {
  let server: Server;
  let url: string;
  let answer: { status: number; body: unknown };

  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response
          .writeHead(answer.status, { 'content-type': 'application/json' })
          .end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const send = () => {
    const source = new IdentityForwardingDataSource(url, new IdentitySigner('s'.repeat(32)), {
      name: 'analytics',
      logger: createLogger('test', 'silent'),
    });
    return source.process({
      kind: 'INCOMING_OPERATION',
      request: { query: '{ a }', variables: {} },
      context: { identity: ANONYMOUS },
    } as never);
  };

  it('should answer with the subgraph errors when it refuses the input with HTTP 400', async () => {
    const error = {
      message: 'Variable "$from" got invalid value "yesterday"; DateTime must be an ISO 8601 date-time',
      locations: [{ line: 1, column: 9 }],
      extensions: { code: 'BAD_USER_INPUT' },
    };
    answer = { status: 400, body: { errors: [error] } };

    const response = await send();

    expect(response.errors).toEqual([{ message: error.message, extensions: { code: 'BAD_USER_INPUT' } }]);
  });

  it('should keep refusing with its own error when a 4xx body has no GraphQL errors', async () => {
    answer = { status: 400, body: { nothing: true } };

    await expect(send()).rejects.toThrow(
      new GraphQLError('The analytics service refused the request (HTTP 400).'),
    );
  });

  it('should not pass on the refusal of the gateway signature (HTTP 401) as the client fault', async () => {
    answer = {
      status: 401,
      body: { errors: [{ message: 'Requests must come through the deskgraph gateway.' }] },
    };

    await expect(send()).rejects.toThrow('The analytics service refused the request (HTTP 401).');
  });
});
