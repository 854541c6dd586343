package dev.gatehouse.server.pipeline;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The deadlines of one event loop's requests: how long a proxied request may wait for a connection or its
 * answer's head, how long a client may read nothing. A Vert.x request timeout costs a timer per request, set and then cancelled (a map entry and a scheduled
 * task each time); here a request joins a list of its timeout's length, so every list is in deadline
 * order, and one periodic check per event loop expires what is due. Joining and leaving cost O(1) with
 * nothing shared; a deadline fires at most one {@link #TICK_MILLIS} late.
 *
 * <p>Touched only by its event loop's thread. A request leaves its list as soon as it is done, so the
 * lists hold exactly the requests waiting on this loop (bounded by its connections and wait queues).
 */
public final class Deadlines {
    /** How often the event loop looks for expired deadlines. */
    public static final long TICK_MILLIS = 10;

    /** One request's place in its list. */
    public static final class Entry {
        private final Line line;
        private final long deadlineNanos;
        private Runnable onExpiry;
        private Entry previous;
        private Entry next;

        private Entry(Line line, long deadlineNanos, Runnable onExpiry) {
            this.line = line;
            this.deadlineNanos = deadlineNanos;
            this.onExpiry = onExpiry;
        }

        /** The request no longer needs its deadline (its answer came, or it ended otherwise); idempotent. */
        public void done() {
            if (onExpiry != null) {
                onExpiry = null;
                line.unlink(this);
            }
        }
    }

    /** The requests of one timeout length, oldest first: a doubly linked list, so any of them leaves in O(1). */
    private final class Line {
        private Entry first;
        private Entry last;

        void append(Entry entry) {
            entry.previous = last;
            if (last == null) {
                first = entry;
            } else {
                last.next = entry;
            }
            last = entry;
            size++;
        }

        void unlink(Entry entry) {
            if (entry.previous == null) {
                first = entry.next;
            } else {
                entry.previous.next = entry.next;
            }
            if (entry.next == null) {
                last = entry.previous;
            } else {
                entry.next.previous = entry.previous;
            }
            entry.previous = null;
            entry.next = null;
            size--;
        }

        void expire(long nowNanos) {
            Entry head;
            while ((head = first) != null && head.deadlineNanos - nowNanos <= 0) {
                Runnable expiry = head.onExpiry;
                head.done();
                expiry.run();
            }
        }
    }

    private final Map<Long, Line> lines = new HashMap<>();
    /** The same lines in a list, walked by index: an expiry may start a request of a new timeout length. */
    private final List<Line> all = new ArrayList<>();
    private int size;

    /** Runs {@code onExpiry} on this event loop once {@code timeoutNanos} have passed, unless the entry is done first. */
    public Entry add(long nowNanos, long timeoutNanos, Runnable onExpiry) {
        Line line = lines.get(timeoutNanos);
        if (line == null) {
            line = new Line();
            lines.put(timeoutNanos, line);
            all.add(line);
        }
        Entry entry = new Entry(line, nowNanos + timeoutNanos, onExpiry);
        line.append(entry);
        return entry;
    }

    /** Expires every entry due by {@code nowNanos}. */
    public void expire(long nowNanos) {
        for (int i = 0; i < all.size(); i++) {
            all.get(i).expire(nowNanos);
        }
    }

    /** Requests waiting for their answer on this event loop. */
    public int size() {
        return size;
    }
}
