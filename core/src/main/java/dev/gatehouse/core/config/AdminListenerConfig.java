package dev.gatehouse.core.config;

/** The admin listener (metrics, upstream state); loopback by default. */
public record AdminListenerConfig(String host, int port) {
}
