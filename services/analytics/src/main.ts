import './tracing';
import 'reflect-metadata';
import { runServiceMain } from '@deskgraph/platform';
import { loadEnvironment } from './environment';
import { analyticsService } from './server';

const environment = loadEnvironment();
runServiceMain(analyticsService(environment.analytics), environment);
