import 'reflect-metadata';
import { runMigrationCommand } from '@deskgraph/platform';
import { createKnowledgeDataSource, KNOWLEDGE_SCHEMA } from './data-source';

// `node dist/src/database/migrate.js`: applies pending migrations and exits.
runMigrationCommand(KNOWLEDGE_SCHEMA, createKnowledgeDataSource);
