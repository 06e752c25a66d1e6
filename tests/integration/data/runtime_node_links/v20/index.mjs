// An ES module handler whose layer has only nodejs/node20/node_modules.
import fs from 'node:fs';
import { STSClient } from '@aws-sdk/client-sts';
import { greet20 } from 'greet20';

const link = (p) => (fs.existsSync(p) ? fs.readlinkSync(p) : 'absent');

export const handler = async () => ({
  sdk: typeof STSClient,
  greet20: greet20(),
  varNodeModules: link('/var/node_modules'),
});
