// t_serve_warm.sh: a no-op Node.js handler.
exports.handler = async (event) => ({ n: event.n ?? null });
