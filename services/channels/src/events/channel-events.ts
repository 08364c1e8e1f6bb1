import {
  buildEvent,
  ChannelsMailDeliveryFailedV1,
  ChannelsMailReceivedV1,
  ChannelsWebhookDeliveryFailedV1,
  type DeskgraphEventType,
  type EventOfType,
} from '@deskgraph/events';

const SOURCE = '/deskgraph/channels';

type DataOf<T extends DeskgraphEventType> = EventOfType<T>['data'];

// Mail events are keyed by ticket (they belong to its story), webhook ones by endpoint.
export const channelEvents = {
  mailReceived: (data: DataOf<'deskgraph.channels.mail_received.v1'>) =>
    buildEvent(ChannelsMailReceivedV1, { source: SOURCE, subject: data.ticketId, data }),
  mailDeliveryFailed: (data: DataOf<'deskgraph.channels.mail_delivery_failed.v1'>) =>
    buildEvent(ChannelsMailDeliveryFailedV1, { source: SOURCE, subject: data.ticketId, data }),
  webhookDeliveryFailed: (data: DataOf<'deskgraph.channels.webhook_delivery_failed.v1'>) =>
    buildEvent(ChannelsWebhookDeliveryFailedV1, { source: SOURCE, subject: data.endpointId, data }),
};
