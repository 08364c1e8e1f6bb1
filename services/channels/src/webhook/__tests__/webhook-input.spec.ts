import type { DataSource } from 'typeorm';
import { ChannelsErrorCode } from '../../channels.errors';
import { webhookModel } from '../../environment';
import { WebhookService } from '../webhook.service';

// Input is refused before anything is stored: a data source that is never reached.
const untouched = new Proxy({} as DataSource, {
  get: () => {
    throw new Error('refused input must not reach the database');
  },
});
const service = new WebhookService(untouched, webhookModel.parse({}));

describe('webhook endpoint input', () => {
  it.each(['not a url', 'ftp://hooks.example.com/x', '/relative/path'])(
    'should report a bad url (%s) once, as { field, message }, when an endpoint is registered',
    async (url) => {
      await expect(service.create({ name: 'CRM', url }, 'admin-1')).rejects.toMatchObject({
        code: ChannelsErrorCode.InvalidInput,
        details: {
          problems: [
            {
              field: 'url',
              message: 'url must be an absolute http or https URL, e.g. https://hooks.example.com/deskgraph',
            },
          ],
        },
      });
    },
  );

  it('should list every problem with its field when several fields are wrong', async () => {
    await expect(
      service.create({ name: ' ', url: 'nope', eventTypes: ['deskgraph.ticket.creatd.v1'] }, 'admin-1'),
    ).rejects.toMatchObject({
      message: expect.stringContaining('name must not be empty'),
      details: {
        problems: [
          { field: 'name', message: 'name must not be empty' },
          { field: 'url', message: expect.stringContaining('url must be an absolute http or https URL') },
          { field: 'eventTypes.0', message: 'deskgraph.ticket.creatd.v1 is not a deskgraph event type' },
        ],
      },
    });
  });

  it('should report a bad url once when an endpoint is changed', async () => {
    await expect(
      service.update({ id: '00000000-0000-4000-8000-000000000000', url: 'not a url' }),
    ).rejects.toMatchObject({
      details: { problems: [{ field: 'url', message: expect.stringContaining('http or https URL') }] },
    });
  });
});
