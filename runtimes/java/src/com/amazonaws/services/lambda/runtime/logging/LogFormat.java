package com.amazonaws.services.lambda.runtime.logging;

/** The function's log format (logging_config.log_format). */
public enum LogFormat {
    JSON, TEXT;

    /** JSON for "JSON" (any case), else TEXT. */
    public static LogFormat fromString(String name) {
        return name != null && name.equalsIgnoreCase("JSON") ? JSON : TEXT;
    }
}
