// Callback style, as an ES module.
export const handler = (event, context, callback) => {
  setTimeout(() => callback(null, { style: 'callback', id: context.awsRequestId }), 10);
};
