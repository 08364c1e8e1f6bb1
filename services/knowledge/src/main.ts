import 'reflect-metadata';
import { runServiceMain } from '@deskgraph/platform';
import { loadEnvironment } from './environment';
import { knowledgeService } from './server';

runServiceMain(knowledgeService(), loadEnvironment());
