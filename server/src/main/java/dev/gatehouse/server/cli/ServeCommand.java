package dev.gatehouse.server.cli;

import dev.gatehouse.core.config.GatewayConfig;
import dev.gatehouse.server.GatewayNode;
import dev.gatehouse.server.config.ConfigLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@code gatehouse serve}: run a node from a configuration file until stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run a gateway node. The configuration file is watched and valid changes apply without a restart.")
final class ServeCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = "gatehouse.yaml",
            description = "Configuration file (default: ${DEFAULT-VALUE}). GATEHOUSE_* environment variables override its keys.")
    Path config;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        // a node logs its configuration's warnings, as it does on every reload
        GatewayConfig loaded = ConfigFiles.loadOrReport(config, spec.commandLine().getErr(), ConfigLoader.withSystemEnvironment());
        if (loaded == null) {
            return ConfigFiles.INVALID;
        }
        GatewayNode node;
        try {
            node = GatewayNode.start(loaded, GatewayNode.Options.defaults(config));
        } catch (RuntimeException e) {
            spec.commandLine().getErr().println("gatehouse could not start: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM (an orchestrator stopping the node) and SIGINT (Ctrl-C) drain first, then exit 0; the hook covers
        // every other way the JVM ends
        AtomicBoolean stopping = new AtomicBoolean();
        Runnable drainThenStop = () -> {
            if (stopping.compareAndSet(false, true)) {
                try {
                    node.drain();
                } finally {
                    node.close();
                    stopped.countDown();
                }
            }
        };
        for (String name : new String[]{"TERM", "INT"}) {
            Signal.handle(new Signal(name), signal -> new Thread(drainThenStop, "gatehouse-drain").start());
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }, "gatehouse-shutdown"));
        stopped.await();
        return 0;
    }
}
