// origin-request: pretty URLs become files ("/" -> "/index.html", "/docs/"
// -> "/docs/index.html") and the origin gets a header only CloudFront adds.
exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  if (request.uri.endsWith('/')) request.uri += 'index.html';
  request.headers['x-origin-secret'] = [{ key: 'X-Origin-Secret', value: 'from-the-edge' }];
  return request;
};
