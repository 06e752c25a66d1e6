// A Node.js function invoking another with the SDK v3 the runtime ships.
import { LambdaClient, InvokeCommand } from '@aws-sdk/client-lambda';

export const handler = async (event) => {
  try {
    const r = await new LambdaClient({}).send(new InvokeCommand({
      FunctionName: event.target, Payload: JSON.stringify(event.payload ?? {}) }));
    return { status: r.StatusCode, payload: JSON.parse(Buffer.from(r.Payload).toString()) };
  } catch (e) {
    return { error: `${e.name}: ${e.message}` };
  }
};
