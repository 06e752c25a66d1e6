// vpcsim's Node.js runtime client: the Lambda Runtime API loop.
//
// Loads FILE.FUNCTION from $_HANDLER (FILE.mjs, FILE.js or FILE.cjs under
// $LAMBDA_TASK_ROOT), then forever: GET .../invocation/next, run the
// handler (async, returning a promise, or callback style with three
// parameters), POST the JSON result, or {"errorType", "errorMessage",
// "trace"} to .../error as AWS's Node.js runtime does, the error's type in
// Lambda-Runtime-Function-Error-Type. console.* lines get AWS's
// "TIME\tREQUEST-ID\tLEVEL\t" prefix. A handler marked by
// awslambda.streamifyResponse streams its response (streaming.mjs). Only Node's standard library; the
// AWS SDK v3 it ships (package.json) is for the user's code.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import util from 'node:util';
import module from 'node:module';
import { installAwslambda, isStreaming, runStreaming } from './streaming.mjs';

// The SDK the runtime ships and the layers' packages, for ES modules too.
// vpcsim's jail links them where Node's own search from /var/task looks
// (/var/node_modules, /node_modules: src/lambda/node_links.h). Without
// those links (the function sets NODE_PATH, or the layers hold both
// nodejs/nodeNN/node_modules and nodejs/node_modules) a resolve hook
// searches NODE_PATH (sdk-resolve.mjs); Node 20 runs it on a loader thread
// of its own, a second Node start at every cold start.
function sdkLinked() {
  try {
    return fs.readlinkSync('/node_modules') === '/var/runtime/node_modules';
  } catch {
    return false;
  }
}
if (!sdkLinked() && typeof module.register === 'function') {
  module.register('./sdk-resolve.mjs', import.meta.url);
}

const [HOST, PORT] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const BASE = '/2018-06-01/runtime';
let currentId = undefined;
// One connection to the Runtime API, kept open between requests (as AWS's
// client keeps its own): a new one per request costs the API a connection
// thread and each warm invoke two more round trips (docs/RUNTIME.md).
const AGENT = new http.Agent({ keepAlive: true, maxSockets: 1 });

function request(method, p, body, headers = {}) {
  if (body !== undefined) headers = { ...headers, 'Content-Length': Buffer.byteLength(body) };
  return new Promise((resolve, reject) => {
    const req = http.request({ host: HOST, port: Number(PORT), method, path: BASE + p,
      headers, agent: AGENT }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
        body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// console.* as AWS's client patches it: Text lines "TIME\tID\tLEVEL\tmsg"
// (newlines as \r), or with AWS_LAMBDA_LOG_FORMAT=JSON one object per call,
// {"timestamp","level","requestId","message"} (an Error as errorType,
// errorMessage, stackTrace), the calls below AWS_LAMBDA_LOG_LEVEL dropped.
const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
const JSON_LOGS = (process.env.AWS_LAMBDA_LOG_FORMAT || '').toUpperCase() === 'JSON';
const MIN_LEVEL = JSON_LOGS ? Math.max(0, LEVELS.indexOf(
  (process.env.AWS_LAMBDA_LOG_LEVEL || 'TRACE').toUpperCase())) : 0;

function jsonLine(level, args) {
  const rec = { timestamp: new Date().toISOString(), level, requestId: currentId };
  if (args.length === 1 && args[0] instanceof Error) {
    const e = args[0];
    Object.assign(rec, { message: e.message, errorType: e.name, errorMessage: e.message,
      stackTrace: (e.stack || '').split('\n') });
  } else if (args.length === 1) {
    rec.message = args[0];
  } else {
    rec.message = util.format(...args);
  }
  try {
    return JSON.stringify(rec);
  } catch {
    return JSON.stringify({ ...rec, message: util.format(...args) });
  }
}

for (const [name, level] of [['trace', 'TRACE'], ['debug', 'DEBUG'], ['log', 'INFO'],
  ['info', 'INFO'], ['warn', 'WARN'], ['error', 'ERROR'], ['fatal', 'FATAL']]) {
  if (LEVELS.indexOf(level) < MIN_LEVEL) {
    console[name] = () => {};
    continue;
  }
  console[name] = (...args) => {
    process.stdout.write(JSON_LOGS ? `${jsonLine(level, args)}\n`
      : `${new Date().toISOString()}\t${currentId ?? 'undefined'}\t${level}\t`
        + `${util.format(...args).replace(/\n/g, '\r')}\n`);
  };
}

// AWS's toRapidResponse: an Error by its name, message and stack; any
// other thrown value by its typeof and its string.
function errorBody(err) {
  if (util.types.isNativeError(err) || (err && typeof err.name === 'string'
      && typeof err.message === 'string' && typeof err.stack === 'string')) {
    return { errorType: err.name, errorMessage: err.message, trace: err.stack.split('\n') };
  }
  return { errorType: typeof err, errorMessage: String(err), trace: [] };
}

async function initError(type, message, trace = []) {
  const body = JSON.stringify({ errorType: type, errorMessage: message, trace });
  process.stdout.write(`${new Date().toISOString()}\tundefined\tERROR\t`
    + `Uncaught Exception \t${body}\n`);
  await request('POST', '/init/error', body, { 'Lambda-Runtime-Function-Error-Type': type });
  process.exit(1);
}

async function loadHandler() {
  const handler = process.env._HANDLER || '';
  const root = process.env.LAMBDA_TASK_ROOT || '/var/task';
  const dot = handler.lastIndexOf('.');
  if (dot < 0) return initError('Runtime.MalformedHandlerName', `Bad handler ${handler}`);
  const file = handler.slice(0, dot);
  const fn = handler.slice(dot + 1);
  const found = ['.mjs', '.js', '.cjs'].map((x) => path.join(root, file + x))
    .find((p) => fs.existsSync(p));
  if (!found) {
    return initError('Runtime.ImportModuleError',
      `Error: Cannot find module '${file}'\nRequire stack:\n- /var/runtime/index.mjs`);
  }
  let mod;
  try {
    mod = await import(pathToFileURL(found).href);
  } catch (e) {
    // As AWS's client: a syntax error is the runtime's UserCodeSyntaxError, a
    // module the code imports and cannot find ImportModuleError, anything
    // else the code threw at import time is reported as itself.
    if (e instanceof SyntaxError) return initError('Runtime.UserCodeSyntaxError', `${e.name}: ${e.message}`);
    if (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') {
      return initError('Runtime.ImportModuleError', `${e.name}: ${e.message}`);
    }
    const b = errorBody(e);
    return initError(b.errorType, b.errorMessage, b.trace);
  }
  const f = mod[fn] ?? mod.default?.[fn];
  if (typeof f !== 'function') {
    return initError('Runtime.HandlerNotFound', `${file}.${fn} is undefined or not exported`);
  }
  return f;
}

function makeContext(h) {
  const deadline = Number(h['lambda-runtime-deadline-ms'] || 0);
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: h['lambda-runtime-invoked-function-arn'],
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: h['lambda-runtime-aws-request-id'],
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: h['lambda-runtime-cognito-identity']
      ? JSON.parse(h['lambda-runtime-cognito-identity']) : undefined,
    clientContext: h['lambda-runtime-client-context']
      ? JSON.parse(h['lambda-runtime-client-context']) : undefined,
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
  };
}

function run(f, event, context) {
  if (f.length >= 3) {
    return new Promise((resolve, reject) => {
      const cb = (err, result) => (err ? reject(err) : resolve(result));
      const r = f(event, context, cb);
      if (r && typeof r.then === 'function') r.then(resolve, reject);
    });
  }
  return Promise.resolve().then(() => f(event, context));
}

function invokeErrorLine(id, body) {
  process.stdout.write(`${new Date().toISOString()}\t${id}\tERROR\tInvoke Error \t`
    + `${JSON.stringify(body)}\n`);
}

installAwslambda();
const handler = await loadHandler();
const streaming = isStreaming(handler);
for (;;) {
  const next = await request('GET', '/invocation/next');
  const id = next.headers['lambda-runtime-aws-request-id'];
  currentId = id;
  process.env._X_AMZN_TRACE_ID = next.headers['lambda-runtime-trace-id'] || '';
  try {
    const event = next.body.length ? JSON.parse(next.body.toString()) : {};
    if (streaming) {
      await runStreaming(handler, event, makeContext(next.headers),
        { host: HOST, port: Number(PORT), path: `${BASE}/invocation/${id}/response` },
        errorBody, (body) => invokeErrorLine(id, body));
      continue;
    }
    const result = await run(handler, event, makeContext(next.headers));
    const body = JSON.stringify(result === undefined ? null : result);
    await request('POST', `/invocation/${id}/response`, body);
  } catch (err) {
    const body = errorBody(err);
    invokeErrorLine(id, body);
    await request('POST', `/invocation/${id}/error`, JSON.stringify(body),
      { 'Lambda-Runtime-Function-Error-Type': body.errorType });
  }
}
