package com.amazonaws.services.lambda.runtime;

/** A handler of events of type I (read from JSON) answering an O (written as JSON). */
public interface RequestHandler<I, O> {
    O handleRequest(I input, Context context);
}
