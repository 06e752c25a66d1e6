// An ES module handler whose layer has both nodejs/node20/node_modules and
// nodejs/node_modules, a package `which` in each: NODE_PATH names node20's
// first.
import fs from 'node:fs';
import { STSClient } from '@aws-sdk/client-sts';
import { greet } from 'greet';
import { which } from 'which';

export const handler = async () => ({
  sdk: typeof STSClient,
  greet: greet(),
  which,
  nodeModules: fs.existsSync('/node_modules'),
});
