import 'reflect-metadata';
import { runMigrationCommand } from '@deskgraph/platform';
import { createTicketsDataSource, TICKETS_SCHEMA } from './data-source';

// `node dist/src/database/migrate.js`: applies pending migrations and exits.
runMigrationCommand(TICKETS_SCHEMA, createTicketsDataSource);
