// A CommonJS handler that loads the SDK v3 and a layer's ES module package
// with a dynamic import(), as code on its way to ES modules does, and
// require()s the SDK too.
const fs = require('node:fs');

const link = (p) => (fs.existsSync(p) ? fs.readlinkSync(p) : 'absent');

exports.handler = async () => {
  const { STSClient } = await import('@aws-sdk/client-sts');
  const { greet } = await import('greet');
  return {
    sdk: typeof STSClient,
    greet: greet(),
    required: require.resolve('@aws-sdk/client-sts'),
    nodeModules: link('/node_modules'),
  };
};
