import { App } from 'aws-cdk-lib';
import { stackNameFor } from '../lib/config/deployment-names.js';
import { ConfigError } from '../lib/config/schema.js';
import { readDeploymentContext } from './context.js';
import { addNagChecks } from './nag.js';
import { TickfanStack } from './tickfan-stack.js';

const app = new App();
try {
  const { stage, config } = readDeploymentContext(app.node);
  new TickfanStack(app, stackNameFor(stage), { config, stage });
  addNagChecks(app);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // The message names every bad field and value; a stack trace would only bury it.
  console.error(error.message);
  process.exit(1);
}
