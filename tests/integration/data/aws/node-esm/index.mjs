// A Node.js function as a user writes it for AWS: the SDK v3 clients the
// runtime ships, imported as ES modules, no endpoint, credentials or CA in
// the code. Reads a secret, writes S3 and DynamoDB, asks STS who it is.
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { SecretsManagerClient, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { S3Client, PutObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { DynamoDBClient, PutItemCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';

export const handler = async (event, context) => {
  const name = context.functionName;
  const out = { lambda: typeof LambdaClient };
  try {
    out.arn = (await new STSClient({}).send(new GetCallerIdentityCommand({}))).Arn;
    const sm = new SecretsManagerClient({});
    const secret = await sm.send(new GetSecretValueCommand({ SecretId: 'db-creds' }));
    out.username = JSON.parse(secret.SecretString).username;
    const s3 = new S3Client({});
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: `node/${name}.txt`, Body: `written by ${name}` }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'uploads', Key: `node/${name}.txt` }));
    out.s3 = await got.Body.transformToString();
    const ddb = new DynamoDBClient({});
    await ddb.send(new PutItemCommand({ TableName: 'images', Item: { id: { S: name }, n: { N: '11' } } }));
    out.ddb = (await ddb.send(new GetItemCommand({ TableName: 'images', Key: { id: { S: name } } }))).Item.n.N;
  } catch (e) {
    out.error = `${e.name}: ${e.message}`;
  }
  return out;
};
