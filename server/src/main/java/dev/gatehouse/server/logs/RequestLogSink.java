package dev.gatehouse.server.logs;

/** Where the request log's rows go: the writer, which takes them off the event loops. */
public interface RequestLogSink {

    /** A sink that keeps nothing (request logging off). */
    RequestLogSink NONE = row -> true;

    /**
     * Hands a row over without blocking; false when it could not be kept (the writer's queue is full), in
     * which case it is counted as dropped.
     */
    boolean offer(RequestLogRow row);
}
