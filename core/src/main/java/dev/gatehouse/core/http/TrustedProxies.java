package dev.gatehouse.core.http;

import java.util.List;

/**
 * The addresses (single IPs or CIDR blocks, IPv4 or IPv6) whose {@code X-Forwarded-*} headers the
 * gateway believes. Anyone else's forwarded headers are replaced, never extended.
 */
public final class TrustedProxies {

    public static final TrustedProxies NONE = new TrustedProxies(AddressBlocks.NONE);

    private final AddressBlocks blocks;

    private TrustedProxies(AddressBlocks blocks) {
        this.blocks = blocks;
    }

    /** Parses entries such as {@code 10.0.0.0/8}, {@code 127.0.0.1} or {@code ::1}; throws naming the bad entry. */
    public static TrustedProxies parse(List<String> entries) {
        return new TrustedProxies(AddressBlocks.parse(entries));
    }

    public boolean isEmpty() {
        return blocks.isEmpty();
    }

    /** Whether a peer address (an IP literal) is trusted. */
    public boolean trusts(String ip) {
        return blocks.contains(ip);
    }
}
