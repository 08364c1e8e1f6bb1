import './tracing';
import 'reflect-metadata';
import { runServiceMain } from '@deskgraph/platform';
import { loadEnvironment } from './environment';
import { ticketsService } from './server';

const environment = loadEnvironment();
runServiceMain(ticketsService(environment.desk), environment);
