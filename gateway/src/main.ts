import './tracing';
import { createLogger, stopOnSignals } from '@deskgraph/platform';
import { loadEnvironment } from './environment';
import { startGateway } from './server';

const environment = loadEnvironment();
startGateway(environment).then(
  (gateway) => stopOnSignals(gateway.stop, gateway.logger),
  (error) => {
    createLogger('gateway', 'error').fatal({ err: error }, 'gateway failed to start');
    process.exit(1);
  },
);
