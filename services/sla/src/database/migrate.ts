import 'reflect-metadata';
import { runMigrationCommand } from '@deskgraph/platform';
import { createSlaDataSource, SLA_SCHEMA } from './data-source';

// `node dist/src/database/migrate.js`: applies pending migrations and exits.
runMigrationCommand(SLA_SCHEMA, createSlaDataSource);
