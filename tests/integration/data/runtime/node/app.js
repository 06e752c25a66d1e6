// Node handlers of t_runtime.sh: async style.
let count = 0;
exports.handler = async (event, context) => {
  count += 1;
  console.log('hello from node', count);
  return { count, event, fn: context.functionName, left: context.getRemainingTimeInMillis() > 0,
    api: process.env.AWS_LAMBDA_RUNTIME_API, exec: process.env.AWS_EXECUTION_ENV };
};
exports.fail = async () => { throw new TypeError('node boom'); };
