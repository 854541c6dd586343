package dev.gatehouse.server.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One JSON line per request, written by a background thread so the event loop never waits on I/O.
 * The queue is bounded; when it is full a line is dropped and counted
 * ({@code gatehouse_access_log_dropped_total}) rather than slowing requests down.
 */
public final class AccessLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AccessLog.class);

    private final BlockingQueue<String> queue;
    private final Writer out;
    private final Thread writer;
    private final Counter dropped;
    private volatile boolean running = true;

    private AccessLog(Writer out, int capacity, MeterRegistry registry) {
        this.out = out;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.dropped = Counter.builder("gatehouse.access.log.dropped")
                .description("Access-log lines dropped because the write queue was full").register(registry);
        Gauge.builder("gatehouse.access.log.queue", queue, BlockingQueue::size)
                .description("Access-log lines waiting to be written").register(registry);
        this.writer = new Thread(this::drain, "gatehouse-access-log");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /** {@code stdout}, {@code off} (returns null), or a file path that lines are appended to. */
    public static AccessLog open(String destination, int capacity, MeterRegistry registry) throws IOException {
        if (destination.equals("off")) {
            return null;
        }
        OutputStream stream = destination.equals("stdout") ? System.out
                : Files.newOutputStream(Path.of(destination), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        Writer writer = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), 64 * 1024);
        return new AccessLog(writer, capacity, registry);
    }

    /** Queues a line without blocking; drops and counts it when the queue is full. */
    public void write(String jsonLine) {
        if (!queue.offer(jsonLine)) {
            dropped.increment();
        }
    }

    public long droppedCount() {
        return (long) dropped.count();
    }

    private void drain() {
        List<String> batch = new ArrayList<>(1024);
        while (running || !queue.isEmpty()) {
            try {
                String first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 1023);
                for (String line : batch) {
                    out.write(line);
                    out.write('\n');
                }
                out.flush();
                batch.clear();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException e) {
                log.warn("access log write failed: {}", e.getMessage());
                batch.clear();
            }
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            writer.join(2000);
            out.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.warn("access log flush failed: {}", e.getMessage());
        }
    }
}
