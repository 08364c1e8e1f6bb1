import './tracing';
import 'reflect-metadata';
import { runServiceMain } from '@deskgraph/platform';
import { loadEnvironment } from './environment';
import { slaService } from './server';

runServiceMain(slaService(), loadEnvironment());
