// A module resolve hook (node:module register()): an ES module import of a
// bare name that Node cannot find from the importing file (its own
// node_modules, then each parent folder's) is looked up from each NODE_PATH
// folder, as AWS's Node.js runtime does since 2023 so that user code can
// `import { S3Client } from '@aws-sdk/client-s3'` without bundling the SDK.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const FOLDERS = (process.env.NODE_PATH || '').split(':').filter((d) => d.endsWith('/node_modules'));

function isBare(specifier) {
  return !/^(\.{0,2}\/|[a-z][a-z0-9+.-]*:)/i.test(specifier);
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !isBare(specifier)) throw err;
    for (const dir of FOLDERS) {
      // From a file beside DIR, Node's own search looks in DIR first.
      const parentURL = pathToFileURL(path.join(path.dirname(dir), 'noop.mjs')).href;
      try {
        return await nextResolve(specifier, { ...context, parentURL });
      } catch {
        // not in this folder: the next one
      }
    }
    throw err;
  }
}
