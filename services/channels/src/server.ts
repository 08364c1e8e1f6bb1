import { join } from 'node:path';
import {
  type BackgroundWorker,
  findPackageRoot,
  type GatewayTrustConfig,
  type ServiceContext,
  type ServiceDefinition,
} from '@deskgraph/platform';
import { mapChannelsError } from './channels.errors';
import { ConfirmationLetters } from './confirmation/confirmation-letters';
import { confirmationRoutes } from './confirmation/confirmation-pages';
import { createChannelsDataSource } from './database/data-source';
import type { ChannelsConfig, ImapConfig, MailConfig, WebhookConfig } from './environment';
import { channelEventsConsumer } from './events/consumers/channel-events.consumer';
import { TicketsClient } from './graph/tickets-client';
import { createImapPoller } from './mail/imap-poller';
import { InboundMailProcessor } from './mail/inbound-processor';
import { OutboundMailService } from './mail/outbound-mail.service';
import { createSmtpListener, type SmtpListener } from './mail/smtp-listener';
import { WebhookSender } from './webhook/webhook-sender';
import { channelsResolvers } from './webhook/webhook.resolvers';
import { WebhookService } from './webhook/webhook.service';
import { createClaimingPool } from './work/claiming-pool';
import { createWorkLoop, type WorkLoop } from './work/work-loop';

export interface ChannelsServices {
  webhooks: WebhookService;
  mail: OutboundMailService;
  letters: ConfirmationLetters;
  smtp: SmtpListener;
  imapPollers: BackgroundWorker[];
  loops: { inbound: WorkLoop; outbound: WorkLoop; failureNotes: WorkLoop; webhooks: WorkLoop };
  sender: WebhookSender;
  wakeWebhooks: () => void;
}

export type ChannelsContext = ServiceContext<ChannelsServices>;

export interface ChannelsOptions {
  mail: MailConfig;
  imap: ImapConfig;
  webhook: WebhookConfig;
  channels: ChannelsConfig;
  trust: GatewayTrustConfig;
}

export function channelsService(options: ChannelsOptions): ServiceDefinition<ChannelsServices> {
  return {
    name: 'channels',
    schemaDirectory: join(findPackageRoot(__dirname), 'schema'),
    createDataSource: createChannelsDataSource,
    createServices: ({ dataSource, outbox, logger }) => {
      const tickets = new TicketsClient(options.channels.ticketsUrl, options.trust.sharedSecret);
      const mail = new OutboundMailService(
        dataSource,
        outbox,
        tickets,
        options.mail,
        logger.child({ component: 'mail-out' }),
      );
      const letters = new ConfirmationLetters(
        dataSource,
        tickets,
        options.channels,
        logger.child({ component: 'confirmation' }),
      );
      mail.letters = letters;
      const inbound = new InboundMailProcessor(
        dataSource,
        outbox,
        tickets,
        mail,
        logger.child({ component: 'mail-in' }),
      );
      const sender = new WebhookSender(
        dataSource,
        outbox,
        options.webhook,
        logger.child({ component: 'webhooks' }),
      );
      const pollIntervalMs = options.channels.pollIntervalMs;
      const loops = {
        // One sender's mails one at a time, in order: a reply finds the thread its first mail opened.
        inbound: createClaimingPool({
          name: 'mail-in',
          claim: (limit, busySenders) => inbound.claim(limit, busySenders),
          work: (row) => inbound.process(row),
          keyOf: (row) => row.from_address,
          limits: { total: options.mail.intakeConcurrency, perKey: 1 },
          pollIntervalMs,
          logger,
        }),
        // One ticket's mails one at a time, in order: each carries the Message-IDs of those before it.
        outbound: createClaimingPool({
          name: 'mail-out',
          claim: (limit, busyTickets) => mail.claim(limit, busyTickets),
          work: (row) => mail.send(row),
          keyOf: (row) => row.ticket_id,
          limits: { total: options.mail.sendConcurrency, perKey: 1 },
          pollIntervalMs,
          logger,
        }),
        // The internal note telling the agent a mail failed for good, retried until tickets takes it.
        failureNotes: createWorkLoop({
          name: 'mail-failure-notes',
          runOnce: () => mail.notifyAgents(),
          pollIntervalMs,
          logger,
        }),
        webhooks: createClaimingPool({
          name: 'webhooks',
          claim: (limit, busyEndpoints) => sender.claim(limit, busyEndpoints),
          work: (row) => sender.send(row),
          keyOf: (row) => row.endpoint_id,
          limits: { total: options.webhook.concurrency, perKey: options.webhook.endpointConcurrency },
          pollIntervalMs,
          logger,
        }),
      };
      const smtp = createSmtpListener({
        dataSource,
        config: options.mail,
        logger,
        onStored: () => loops.inbound.wake(),
      });
      const imapPollers = options.imap.mailboxes.map((mailbox) =>
        createImapPoller({
          dataSource,
          mailbox,
          mail: options.mail,
          logger,
          onStored: () => loops.inbound.wake(),
        }),
      );
      mail.onFailed = () => loops.failureNotes.wake();
      return {
        webhooks: new WebhookService(dataSource, options.webhook),
        mail,
        letters,
        smtp,
        imapPollers,
        loops,
        sender,
        wakeWebhooks: () => loops.webhooks.wake(),
      };
    },
    resolvers: channelsResolvers,
    mapDomainError: mapChannelsError,
    consumers: (_dependencies, services) => [
      channelEventsConsumer({
        mail: services.mail,
        webhooks: services.webhooks,
        wakeMail: () => services.loops.outbound.wake(),
        wakeWebhooks: services.wakeWebhooks,
      }),
    ],
    // The listener and the pollers start last: mail they take is processed by loops already running.
    workers: (_dependencies, services) => [
      services.loops.inbound,
      {
        ...services.loops.outbound,
        // The relay connections close once the mails in flight are done.
        stop: async () => {
          await services.loops.outbound.stop();
          services.mail.close();
        },
      },
      services.loops.failureNotes,
      {
        ...services.loops.webhooks,
        stop: async () => {
          await services.loops.webhooks.stop();
          await services.sender.flush();
          services.sender.close();
        },
      },
      {
        name: services.smtp.name,
        start: () => services.smtp.start(),
        stop: () => services.smtp.stop(),
        ready: () => services.smtp.ready?.() ?? true,
      },
      ...services.imapPollers,
    ],
    routes: (app, services) => confirmationRoutes(app, services.letters),
  };
}
