// An ES module handler as a user writes it for AWS: the SDK v3 the runtime
// ships and a layer's package imported by name, nothing bundled. tslib is
// in both the SDK's folder and the layer: the layer's comes first, as in
// NODE_PATH.
import fs from 'node:fs';
import { STSClient } from '@aws-sdk/client-sts';
import { greet } from 'greet';
import * as tslib from 'tslib';

const link = (p) => (fs.existsSync(p) ? fs.readlinkSync(p) : 'absent');

export const handler = async () => ({
  sdk: typeof STSClient,
  sdkFile: import.meta.resolve('@aws-sdk/client-sts'),
  greet: greet(),
  tslib: tslib.from ?? "the SDK's",
  nodeModules: link('/node_modules'),
  varNodeModules: link('/var/node_modules'),
});
