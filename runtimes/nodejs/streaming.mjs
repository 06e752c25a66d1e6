// Response streaming for vpcsim's Node.js runtime client, as AWS's
// (aws-lambda-nodejs-runtime-interface-client: UserFunction, Runtime,
// ResponseStream, HttpResponseStream) behaves:
//   globalThis.awslambda.streamifyResponse(handler, {highWaterMark}) marks
//     a handler, called as handler(event, responseStream, context);
//   awslambda.HttpResponseStream.from(stream, prelude) sets the content type
//     application/vnd.awslambda.http-integration-response and writes the
//     JSON prelude and 8 NUL bytes before the first chunk;
//   the response goes to .../invocation/ID/response as it is written:
//     Lambda-Runtime-Function-Response-Mode: streaming, chunked, content
//     type application/octet-stream unless set; an error (a thrown one,
//     a handler that is not async, a stream left unfinished) ends it with
//     the trailers Lambda-Runtime-Function-Error-Type and
//     Lambda-Runtime-Function-Error-Body (base64 of the error's JSON).
import http from 'node:http';

const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HIGH_WATER_MARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
const HTTP_INTEGRATION = 'application/vnd.awslambda.http-integration-response';
const TRAILER_TYPE = 'Lambda-Runtime-Function-Error-Type';
const TRAILER_BODY = 'Lambda-Runtime-Function-Error-Body';

class HttpResponseStream {
  static from(stream, prelude) {
    stream.setContentType(HTTP_INTEGRATION);
    const meta = JSON.stringify(prelude);
    stream._onBeforeFirstWrite = (write) => {
      write(meta);
      write(new Uint8Array(8));
    };
    return stream;
  }
}

export function installAwslambda() {
  globalThis.awslambda = {
    streamifyResponse(handler, options) {
      handler[STREAMING] = 'response';
      if (typeof options?.highWaterMark === 'number') {
        handler[HIGH_WATER_MARK] = parseInt(options.highWaterMark, 10);
      }
      return handler;
    },
    HttpResponseStream,
  };
}

export const isStreaming = (f) => f[STREAMING] === 'response';

// The POST of a streamed response: a writable stream the handler writes
// to, and a promise of the Runtime API's answer once it has ended.
function responseStream(target, contentType) {
  let started = false;
  let answered;
  const done = new Promise((resolve, reject) => { answered = { resolve, reject }; });
  const req = http.request({
    host: target.host, port: target.port, method: 'POST', path: target.path, agent: false,
    headers: {
      'Lambda-Runtime-Function-Response-Mode': 'streaming',
      Trailer: `${TRAILER_TYPE}, ${TRAILER_BODY}`,
      'Content-Type': contentType || 'application/octet-stream',
    },
  }, (res) => {
    res.resume();
    res.on('end', () => answered.resolve(res.statusCode));
  });
  req.on('error', (e) => answered.reject(e));
  const write = req.write.bind(req);
  req.setContentType = (type) => {
    if (started) throw new Error('Cannot set content-type, too late.');
    req.setHeader('Content-Type', type);
  };
  req.write = function streamWrite(chunk, encoding, cb) {
    if (typeof chunk !== 'string' && !Buffer.isBuffer(chunk) && !(chunk instanceof Uint8Array)) {
      chunk = JSON.stringify(chunk);
    }
    if (!started && typeof req._onBeforeFirstWrite === 'function') {
      req._onBeforeFirstWrite((c) => write(c));
    }
    started = true;
    return write(chunk, encoding, cb);
  };
  req.fail = (body) => {
    req.addTrailers({
      [TRAILER_TYPE]: body.errorType,
      [TRAILER_BODY]: Buffer.from(JSON.stringify(body)).toString('base64'),
    });
    req.end();
  };
  return { stream: req, done };
}

// One invoke of a streaming handler. errorBody and logError are the
// client's own (index.mjs): the error's JSON and its "Invoke Error" line.
export async function runStreaming(f, event, context, target, errorBody, logError) {
  const { stream, done } = responseStream(target);
  const fail = async (err) => {
    const body = errorBody(err);
    logError(body);
    if (!stream.writableEnded) stream.fail(body);
    await done;
  };
  let result;
  try {
    result = f(event, stream, context);
    if (!result || typeof result.then !== 'function') {
      return fail('Streaming does not support non-async handlers.');
    }
    const value = await result;
    if (value !== undefined) console.warn('Streaming handlers ignore return values.');
  } catch (err) {
    return fail(err);
  }
  if (!stream.writableEnded) return fail('Response stream is not finished.');
  return done;
}
