import './tracing';
import 'reflect-metadata';
import { runServiceMain } from '@deskgraph/platform';
import { loadEnvironment } from './environment';
import { knowledgeService } from './server';

const environment = loadEnvironment();
runServiceMain(knowledgeService(environment.search), environment);
