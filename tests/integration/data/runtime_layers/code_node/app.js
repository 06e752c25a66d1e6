// Unmodified handler code: its modules come from the function's layers.
const padder = require('padder');   // /opt/nodejs/node_modules
const shout = require('shout');     // /opt/nodejs/node20/node_modules

exports.handler = async (event) => ({
  padded: padder.pad('7', 3),
  shout: shout('layers'),
  nodePath: process.env.NODE_PATH,
});
