// The same calls from a CommonJS function: require() finds the SDK on
// NODE_PATH (/var/runtime/node_modules), as on AWS.
const { STSClient, GetCallerIdentityCommand } = require('@aws-sdk/client-sts');
const { DynamoDBDocumentClient, GetCommand } = require('@aws-sdk/lib-dynamodb');
const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');

exports.handler = async (event, context) => {
  const out = {};
  try {
    out.arn = (await new STSClient({}).send(new GetCallerIdentityCommand({}))).Arn;
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
    out.n = (await doc.send(new GetCommand({ TableName: 'images', Key: { id: 'node-esm' } }))).Item.n;
  } catch (e) {
    out.error = `${e.name}: ${e.message}`;
  }
  return out;
};
