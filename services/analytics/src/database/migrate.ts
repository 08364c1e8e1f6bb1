import 'reflect-metadata';
import { runMigrationCommand } from '@deskgraph/platform';
import { ANALYTICS_SCHEMA, createAnalyticsDataSource } from './data-source';

// `node dist/src/database/migrate.js`: applies pending migrations and exits.
runMigrationCommand(ANALYTICS_SCHEMA, createAnalyticsDataSource);
