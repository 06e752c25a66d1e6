// InvokeWithResponseStream with the real AWS SDK for JavaScript v3, as an
// application calls it: node stream.cjs ENDPOINT FUNCTION PAYLOAD [Tail].
// Prints one JSON line: the response's fields and every event, each with
// the milliseconds since the call (for time to first byte).
const { LambdaClient, InvokeWithResponseStreamCommand } = require('@aws-sdk/client-lambda');

async function main() {
  const [endpoint, fn, payload, logType] = process.argv.slice(2);
  const client = new LambdaClient({ endpoint, region: process.env.AWS_DEFAULT_REGION });
  const t0 = Date.now();
  const out = await client.send(new InvokeWithResponseStreamCommand({
    FunctionName: fn, Payload: Buffer.from(payload || '{}'), LogType: logType,
  }));
  const events = [];
  for await (const ev of out.EventStream) {
    if (ev.PayloadChunk) {
      events.push({ at: Date.now() - t0, chunk: Buffer.from(ev.PayloadChunk.Payload).toString('latin1') });
    } else if (ev.InvokeComplete) {
      events.push({ at: Date.now() - t0, complete: ev.InvokeComplete });
    }
  }
  console.log(JSON.stringify({ status: out.StatusCode, contentType: out.ResponseStreamContentType,
    version: out.ExecutedVersion, events }));
}

main().catch((e) => {
  console.log(JSON.stringify({ error: e.name, message: e.message, status: e.$metadata?.httpStatusCode }));
  process.exit(1);
});
