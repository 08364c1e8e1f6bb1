import {
  KafkaJSConnectionError,
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
} from 'kafkajs';
import { isKafkaNotYetError, KafkaStartupError, retryKafkaStartup } from '../kafka-startup';

function protocolError(type: string): KafkaJSProtocolError {
  return Object.assign(new KafkaJSProtocolError('from the broker'), { type });
}

describe('isKafkaNotYetError', () => {
  it.each(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE'])('should treat %s as not yet', (type) => {
    expect(isKafkaNotYetError(protocolError(type))).toBe(true);
  });

  // Codes 14-16 as kafkajs decodes them: a restarted broker answers these while it loads its groups.
  it.each([14, 15, 16])('should treat the coordinator answer with code %i as not yet', (code) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs's own code table has no types
    const { createErrorFromCode } = require('kafkajs/src/protocol/error');
    expect(isKafkaNotYetError(new KafkaJSProtocolError(createErrorFromCode(code)))).toBe(true);
  });

  it('should treat a refused connection and a wrapped not-yet answer as not yet', () => {
    expect(isKafkaNotYetError(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED'))).toBe(
      true,
    );
    // kafkajs wraps the last error once its own retries run out.
    const wrapped = new KafkaJSNumberOfRetriesExceeded(protocolError('UNKNOWN_TOPIC_OR_PARTITION'), {
      retryCount: 8,
      retryTime: 3_000,
    });
    expect(isKafkaNotYetError(wrapped)).toBe(true);
  });

  it('should treat a group coordinator not found yet as not yet', () => {
    // kafkajs's type declares no constructor arguments, its class wants the message.
    const Coordinator = KafkaJSGroupCoordinatorNotFound as unknown as new (message: string) => Error;
    expect(isKafkaNotYetError(new Coordinator('Failed to find group coordinator'))).toBe(true);
  });

  it('should not retry errors that will not go away', () => {
    expect(isKafkaNotYetError(protocolError('TOPIC_AUTHORIZATION_FAILED'))).toBe(false);
    expect(isKafkaNotYetError(new Error('invalid configuration'))).toBe(false);
    expect(isKafkaNotYetError(undefined)).toBe(false);
  });
});

describe('retryKafkaStartup', () => {
  it('should retry not-yet answers until the call succeeds', async () => {
    let calls = 0;
    const result = await retryKafkaStartup(
      async () => {
        calls++;
        if (calls < 3) throw protocolError('UNKNOWN_TOPIC_OR_PARTITION');
        return 'ready';
      },
      { what: 'a test', timeoutMs: 10_000 },
    );

    expect(result).toBe('ready');
    expect(calls).toBe(3);
  });

  it('should throw other errors at once', async () => {
    let calls = 0;
    const failing = retryKafkaStartup(
      async () => {
        calls++;
        throw protocolError('TOPIC_AUTHORIZATION_FAILED');
      },
      { what: 'a test', timeoutMs: 10_000 },
    );

    await expect(failing).rejects.toThrow('from the broker');
    expect(calls).toBe(1);
  });

  it('should name the brokers, the topics and the last answer when the deadline passes', async () => {
    const failing = retryKafkaStartup(
      async () => {
        throw protocolError('LEADER_NOT_AVAILABLE');
      },
      { what: 'topic leaders', timeoutMs: 300, brokers: ['kafka-1:9092'], topics: ['deskgraph.tickets.v1'] },
    );

    await expect(failing).rejects.toThrow(KafkaStartupError);
    await expect(failing).rejects.toThrow(
      /Kafka at kafka-1:9092 was not ready for topic leaders within 0 s \(topics: deskgraph\.tickets\.v1\); last answer: from the broker/,
    );
  });
});
