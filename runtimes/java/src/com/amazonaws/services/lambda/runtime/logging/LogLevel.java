package com.amazonaws.services.lambda.runtime.logging;

/** Log levels in increasing order; UNDEFINED is never filtered out. */
public enum LogLevel {
    UNDEFINED, TRACE, DEBUG, INFO, WARN, ERROR, FATAL;

    /** The level named (any case), UNDEFINED for null or an unknown name. */
    public static LogLevel fromString(String name) {
        if (name == null) {
            return UNDEFINED;
        }
        try {
            return LogLevel.valueOf(name.toUpperCase());
        } catch (IllegalArgumentException e) {
            return UNDEFINED;
        }
    }
}
