// An ES module handler of a function that sets NODE_PATH itself.
import fs from 'node:fs';
import { STSClient } from '@aws-sdk/client-sts';
import { custom } from 'custompkg';

export const handler = async () => ({
  sdk: typeof STSClient,
  custom,
  nodeModules: fs.existsSync('/node_modules'),
});
