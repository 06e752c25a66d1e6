// Handlers as users write them, run by AWS's Node.js Runtime Interface
// Client (t_runtime_ric). `count` lives across warm invokes of one
// environment; `ticks` counts a 10 ms timer, which runs only while the
// environment is thawed.
let count = 0;
let ticks = 0;
setInterval(() => { ticks++; }, 10).unref();

export const handler = async (event, context) => {
	count++;
	console.log("hello from the RIC", count);
	console.error("to stderr", count);
	if (event.sleep_ms)
		await new Promise((r) => setTimeout(r, event.sleep_ms));
	return {
		count,
		ticks,
		pid: process.pid,
		event,
		requestId: context.awsRequestId,
		remaining: context.getRemainingTimeInMillis(),
		functionName: context.functionName,
		functionVersion: context.functionVersion,
		memoryLimitInMB: context.memoryLimitInMB,
		invokedFunctionArn: context.invokedFunctionArn,
		logGroupName: context.logGroupName,
		logStreamName: context.logStreamName,
		clientContext: context.clientContext ?? null,
		traceId: process.env._X_AMZN_TRACE_ID ?? null,
	};
};

class ValidationError extends Error {
	constructor(message) {
		super(message);
		this.name = "ValidationError";
	}
}

export const fails = async () => {
	throw new ValidationError("order 7 has no items");
};

export const stream = awslambda.streamifyResponse(async (event, responseStream) => {
	responseStream.setContentType("text/plain");
	for (let i = 1; i <= (event.n ?? 3); i++) {
		responseStream.write(`chunk ${i}\n`);
		await new Promise((r) => setTimeout(r, event.gap_ms ?? 0));
	}
	if (event.fail)
		throw new TypeError("stream boom");
	responseStream.end();
});

// Under logging_config JSON with application_log_level WARN the RIC writes
// each call as a JSON record and drops those below WARN.
export const leveled = async () => {
	console.info("info below the level");
	console.warn("careful", { n: 1 });
	console.error("it broke");
	return "logged";
};

// A result over Lambda's 6 MB: the Runtime API refuses it (413).
export const big = async () => "x".repeat(7 * 1024 * 1024);

// An exception outside the handler's promise: nothing in the RIC catches
// it, so Node exits and the platform reports the runtime's exit.
export const crash = async () => {
	setTimeout(() => { throw new RangeError("async boom"); }, 10);
	await new Promise((r) => setTimeout(r, 2000));
	return "never";
};
