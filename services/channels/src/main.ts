import './tracing';
import 'reflect-metadata';
import { runServiceMain } from '@deskgraph/platform';
import { loadEnvironment } from './environment';
import { channelsService } from './server';

const environment = loadEnvironment();
runServiceMain(
  channelsService({
    mail: environment.mail,
    imap: environment.imap,
    webhook: environment.webhook,
    channels: environment.channels,
    trust: environment.trust,
  }),
  environment,
);
