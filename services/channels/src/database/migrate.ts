import 'reflect-metadata';
import { runMigrationCommand } from '@deskgraph/platform';
import { CHANNELS_SCHEMA, createChannelsDataSource } from './data-source';

// `node dist/src/database/migrate.js`: applies pending migrations and exits.
runMigrationCommand(CHANNELS_SCHEMA, createChannelsDataSource);
