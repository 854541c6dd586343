package dev.gatehouse.server;

import dev.gatehouse.core.config.GatewayListenerConfig;
import io.vertx.core.transport.Transport;

/**
 * The node's network I/O, from {@code gateway.transport}. {@code auto} takes io_uring where the kernel
 * offers it (Linux 5.10+, unless a seccomp profile or {@code kernel.io_uring_disabled} forbids it), then
 * epoll, then Java NIO; naming one insists on it, and a node that cannot have it does not start. The
 * names are Vert.x's own ({@link Transport#name()}).
 *
 * <p>io_uring is the default because it hands the kernel every socket read and write an event loop has
 * in one system call: on the proxy benchmark it cut the kernel time per proxied request by about a
 * third against epoll (bench/README.md).
 */
public final class NetworkTransport {

    private NetworkTransport() {
    }

    /** The transport a setting asks for; throws when an explicitly named one is not available here. */
    public static Transport choose(GatewayListenerConfig.Transport setting) {
        return switch (setting) {
            case AUTO -> usable(Transport.IO_URING) ? Transport.IO_URING : usable(Transport.EPOLL) ? Transport.EPOLL : Transport.NIO;
            case IO_URING -> require(Transport.IO_URING, setting);
            case EPOLL -> require(Transport.EPOLL, setting);
            case NIO -> Transport.NIO;
        };
    }

    private static boolean usable(Transport transport) {
        return transport != null && transport.available();
    }

    private static Transport require(Transport transport, GatewayListenerConfig.Transport setting) {
        if (!usable(transport)) {
            Throwable cause = transport == null ? null : transport.unavailabilityCause();
            throw new IllegalStateException("gateway.transport: " + setting + " is not available on this machine"
                    + (cause == null ? "" : " (" + cause + ")") + "; use auto to fall back to what is");
        }
        return transport;
    }
}
