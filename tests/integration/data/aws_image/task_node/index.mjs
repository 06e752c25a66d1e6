// A Node.js container-image function that calls AWS with the AWS SDK for
// JavaScript v3, unmodified (t_aws_image.sh): no endpoint, no agent, no
// keys in the code. The image ships no CA of its own and a resolv.conf that
// names no resolver of the simulation, as the Python image does.
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { S3Client, PutObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';

const sts = new STSClient({});
const s3 = new S3Client({});

export const handler = async () => {
  const out = {
    key: (process.env.AWS_ACCESS_KEY_ID || '').slice(0, 4),
    token: Boolean(process.env.AWS_SESSION_TOKEN),
  };
  try {
    out.arn = (await sts.send(new GetCallerIdentityCommand({}))).Arn;
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'node.txt', Body: 'written from a Node.js image' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'node.txt' }));
    out.s3 = await got.Body.transformToString();
  } catch (e) { // the test wants the SDK's own words
    out.error = `${e.name}: ${e.message}`;
  }
  return out;
};
