package dev.gatehouse.server.logs;

import java.util.List;

/**
 * Rows of one node (boot), numbered {@code firstSeq}, {@code firstSeq + 1}, and so on: what one transaction writes
 * and one spool record holds. A batch never splits or merges on its way, so the node's shipping cursor always sits
 * at the end of one.
 */
record LogBatch(String nodeId, long firstSeq, List<RequestLogRow> rows) {

    LogBatch {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("a batch has at least one row");
        }
    }

    long lastSeq() {
        return firstSeq + rows.size() - 1;
    }

    /** The rows numbered after {@code shippedSeq}; null when every one of them is. */
    LogBatch after(long shippedSeq) {
        if (shippedSeq < firstSeq) {
            return this;
        }
        if (shippedSeq >= lastSeq()) {
            return null;
        }
        int skip = (int) (shippedSeq - firstSeq + 1);
        return new LogBatch(nodeId, shippedSeq + 1, rows.subList(skip, rows.size()));
    }
}
