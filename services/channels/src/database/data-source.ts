import { createServiceDataSource, type DatabaseConfig } from '@deskgraph/platform';
import { InitialChannels1766000000000 } from './migrations/1766000000000-initial-channels';
import { RemaskStoredText1766100000000 } from './migrations/1766100000000-remask-stored-text';
import { ImapMailboxState1766200000000 } from './migrations/1766200000000-imap-mailbox-state';

export const CHANNELS_SCHEMA = 'channels';

// Work queues are read with FOR UPDATE SKIP LOCKED in SQL, so the service needs no entities.
export function createChannelsDataSource(database: DatabaseConfig) {
  return createServiceDataSource({
    database,
    schema: CHANNELS_SCHEMA,
    applicationName: 'deskgraph-channels',
    entities: [],
    migrations: [InitialChannels1766000000000, RemaskStoredText1766100000000, ImapMailboxState1766200000000],
  });
}
