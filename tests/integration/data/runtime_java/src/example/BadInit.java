package example;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

/** A handler whose constructor throws: the init fails. */
public class BadInit implements RequestHandler<String, String> {
    public BadInit() {
        throw new IllegalArgumentException("missing TABLE_NAME");
    }

    @Override
    public String handleRequest(String in, Context ctx) {
        return in;
    }
}
