// Streaming handlers as users write them for Lambda's response streaming.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// N chunks, GAP ms apart: the first arrives long before the last.
export const chunks = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.setContentType('text/plain');
  for (let i = 1; i <= (event.n ?? 3); i++) {
    responseStream.write(`chunk ${i} at ${Date.now()}\n`);
    await sleep(event.gap_ms ?? 300);
  }
  responseStream.end();
});

// An HTTP integration response: prelude, 8 NUL bytes, then the body.
export const http = awslambda.streamifyResponse(async (event, responseStream) => {
  const stream = awslambda.HttpResponseStream.from(responseStream,
    { statusCode: 201, headers: { 'x-custom': 'yes' } });
  stream.write('hello ');
  stream.end('world');
});

// An error after the first bytes: the trailers carry it.
export const fails = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.write('partial ');
  await sleep(50);
  throw new TypeError('stream boom');
});

// MB megabytes in 64 KiB chunks.
export const big = awslambda.streamifyResponse(async (event, responseStream) => {
  const chunk = Buffer.alloc(65536, 'x');
  for (let i = 0; i < (event.mb ?? 1) * 16; i++) {
    if (!responseStream.write(chunk)) await new Promise((r) => responseStream.once('drain', r));
  }
  responseStream.end();
});

// Forgets to end the stream.
export const unfinished = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.write('never ended');
});

// A handler that does not stream, invoked through either API.
export const buffered = async (event) => ({ plain: true, event });
