package dev.gatehouse.server.config;

import dev.gatehouse.core.config.GatewayConfig;
import dev.gatehouse.core.config.GatewayListenerConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The settings a running node cannot change on reload (its sockets, storage, Redis, identity and cache
 * wiring), compared between the configuration it started with and a new one. Everything else — routes,
 * upstreams, and the gateway's per-request and per-connection limits — applies on reload.
 */
public final class RestartOnlySettings {

    private RestartOnlySettings() {
    }

    /** What differs in {@code next} from the {@code running} node's settings that only a restart applies, by key. */
    public static List<String> changed(GatewayConfig running, GatewayConfig next) {
        List<String> changed = new ArrayList<>();
        GatewayListenerConfig a = running.gateway();
        GatewayListenerConfig b = next.gateway();
        field(changed, "gateway.host", a, b, GatewayListenerConfig::host);
        field(changed, "gateway.port", a, b, GatewayListenerConfig::port);
        field(changed, "gateway.instances", a, b, GatewayListenerConfig::instances);
        field(changed, "gateway.transport", a, b, GatewayListenerConfig::transport);
        field(changed, "gateway.idleTimeout", a, b, GatewayListenerConfig::idleTimeout);
        field(changed, "gateway.maxHeaderBytes", a, b, GatewayListenerConfig::maxHeaderBytes);
        // the certificates' files are read again when their content changes; which files, and the rest, need a restart
        field(changed, "gateway.tls", a, b, GatewayListenerConfig::tls);
        field(changed, "gateway.http2", a, b, GatewayListenerConfig::http2);
        // whole sections, named without their values: they hold passwords
        section(changed, "admin", running.admin(), next.admin());
        section(changed, "storage", running.storage(), next.storage());
        section(changed, "redis", running.redis(), next.redis());
        section(changed, "auth", running.identity(), next.identity());
        section(changed, "cache", running.cache(), next.cache());
        section(changed, "observability", running.observability(), next.observability());
        section(changed, "adminViews", running.adminViews(), next.adminViews());
        section(changed, "logs", running.logs(), next.logs());
        // a node starts its intake, spool and workers once; a queue a reloaded route names first gets workers at restart
        section(changed, "jobs", running.jobs(), next.jobs());
        field(changed, "the queues async routes send jobs to", running, next, GatewayConfig::queueUpstreams);
        field(changed, "the quotas of upstreams", running, next, RestartOnlySettings::quotas);
        return changed;
    }

    /** Each upstream's quota (the pace its job workers keep), by name. */
    private static java.util.Map<String, Object> quotas(GatewayConfig config) {
        java.util.Map<String, Object> quotas = new java.util.TreeMap<>();
        config.upstreams().forEach((name, upstream) -> {
            if (upstream.quota() != null) {
                quotas.put(name, upstream.quota());
            }
        });
        return quotas;
    }

    private static <T> void field(List<String> changed, String key, T running, T next, Function<T, Object> value) {
        Object was = value.apply(running);
        Object now = value.apply(next);
        if (!Objects.equals(was, now)) {
            changed.add(key + " (running with " + was + ", the file says " + now + ")");
        }
    }

    private static void section(List<String> changed, String key, Object running, Object next) {
        if (!Objects.equals(running, next)) {
            changed.add(key);
        }
    }
}
