import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { dropDatabase, ensureDatabase, splitDatabaseUrl } from '@deskgraph/infra';
import type { DeskgraphEvent } from '@deskgraph/events';
import {
  applyEventsInBatch,
  createLogger,
  databaseModel,
  migrateDataSource,
  OutboxWriter,
  parseEnvironment,
} from '@deskgraph/platform';
import { createChannelsDataSource, CHANNELS_SCHEMA } from '../../src/database/data-source';
import { mailModel, webhookModel } from '../../src/environment';
import { applyChannelEvent } from '../../src/events/consumers/channel-events.consumer';
import { TicketsClient } from '../../src/graph/tickets-client';
import { OutboundMailService } from '../../src/mail/outbound-mail.service';
import { WebhookService } from '../../src/webhook/webhook.service';

const logger = createLogger('channels-test', 'silent');

/** A fresh, migrated channels database of the test run's PostgreSQL, for tests without a broker. */
export interface ChannelsDatabase {
  dataSource: DataSource;
  /** A plain connection for the test's own reads and setup. */
  client: Client;
  close(): Promise<void>;
}

export async function openChannelsDatabase(prefix: string): Promise<ChannelsDatabase> {
  const { database } = parseEnvironment({ database: databaseModel });
  const { serverUrl } = splitDatabaseUrl(database.url);
  const databaseName = `deskgraph_${prefix}_${randomBytes(4).toString('hex')}`;
  const url = await ensureDatabase(serverUrl, databaseName);
  const dataSource = createChannelsDataSource({ url, poolSize: 4 });
  await migrateDataSource(dataSource, CHANNELS_SCHEMA);
  await dataSource.initialize();
  const client = new Client({ connectionString: url });
  await client.connect();
  return {
    dataSource,
    client,
    async close() {
      await client.end();
      await dataSource.destroy();
      await dropDatabase(serverUrl, databaseName);
    },
  };
}

/**
 * Applies events in one transaction the way the channels consumer applies a
 * Kafka batch (the platform's batch scope, end-of-batch writes included);
 * nothing is sent: mail and webhook workers are not woken.
 */
export async function applyChannelBatch(dataSource: DataSource, events: DeskgraphEvent[]): Promise<void> {
  const env = parseEnvironment({ mail: mailModel, webhook: webhookModel }, {});
  const outbox = new OutboxWriter('');
  const mail = new OutboundMailService(
    dataSource,
    outbox,
    new TicketsClient('http://127.0.0.1:9/graphql', 'unused-secret-unused-secret'),
    env.mail,
    logger,
  );
  const webhooks = new WebhookService(dataSource, env.webhook);
  await dataSource.transaction((manager) =>
    applyEventsInBatch(
      manager,
      events,
      (event, context) =>
        applyChannelEvent(event, context, {
          mail,
          webhooks,
          wakeMail: () => undefined,
          wakeWebhooks: () => undefined,
        }),
      { outbox, logger },
    ),
  );
}
