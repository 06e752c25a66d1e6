// origin-response: security headers on everything the origin sends, and a
// friendlier 404 page (an origin-response may change the status and body).
exports.handler = async (event) => {
  const response = event.Records[0].cf.response;
  const h = response.headers;
  h['strict-transport-security'] = [{ key: 'Strict-Transport-Security', value: 'max-age=63072000' }];
  h['x-content-type-options'] = [{ key: 'X-Content-Type-Options', value: 'nosniff' }];
  if (response.status === '404') {
    response.body = 'Nothing here (said the origin-response function)\n';
    h['content-type'] = [{ key: 'Content-Type', value: 'text/plain' }];
  }
  return response;
};
