package dev.gatehouse.server.logs;

import dev.gatehouse.core.time.Clock;
import dev.gatehouse.server.GatewayNode;
import dev.gatehouse.server.config.ConfigLoader;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A node run as a process of its own (for a test to kill with -9) that offers its request log a steady stream of
 * rows, as traffic would: about 5 000 a second. Prints {@code node <id>} once it serves, then {@code offered <n>}
 * every thousand rows.
 */
public final class LoadedNode {

    private LoadedNode() {
    }

    public static void main(String[] args) throws Exception {
        ConfigLoader loader = new ConfigLoader(name -> null);
        GatewayNode node = GatewayNode.start(loader.load(Path.of(args[0])),
                new GatewayNode.Options(null, loader, Duration.ofSeconds(1), Clock.system()));
        System.out.println("node " + node.nodeId());
        System.out.flush();
        Clock clock = Clock.system();
        for (long i = 1; ; i++) {
            node.requestLog().offer(LogRows.row(clock.epochMicros(), "r" + i, "orders", i % 20 == 0 ? 503 : 200, 500 + i % 5000));
            if (i % 1000 == 0) {
                System.out.println("offered " + i);
                System.out.flush();
            }
            if (i % 50 == 0) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // the pace of traffic, not a wait for anything
            }
        }
    }
}
