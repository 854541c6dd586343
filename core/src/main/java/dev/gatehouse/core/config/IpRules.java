package dev.gatehouse.core.config;

import dev.gatehouse.core.http.AddressBlocks;

import java.util.List;

/**
 * Which client addresses may call ({@code ip: {allow, deny}}), globally or on a route: an address on the
 * deny list never may; when the allow list names any, only its addresses may. Lists hold IPs and CIDR
 * blocks, IPv4 and IPv6, and are applied to the client's address after {@code trustedProxies}.
 */
public record IpRules(List<String> allow, List<String> deny) {

    public static final IpRules ANYONE = new IpRules(List.of(), List.of());

    public IpRules {
        allow = Require.list("allow", allow);
        deny = Require.list("deny", deny);
        AddressBlocks.parse(allow);
        AddressBlocks.parse(deny);
    }

    /** The rules ready to apply (parsed once). */
    public Compiled compile() {
        return new Compiled(AddressBlocks.parse(allow), AddressBlocks.parse(deny));
    }

    public boolean isEmpty() {
        return allow.isEmpty() && deny.isEmpty();
    }

    /** The rules with their blocks parsed. */
    public record Compiled(AddressBlocks allow, AddressBlocks deny) {

        /** Whether {@code ip} may call; an address that is not an IP literal is let through only when nothing is allow-listed. */
        public boolean admits(String ip) {
            return !deny.contains(ip) && (allow.isEmpty() || allow.contains(ip));
        }
    }
}
