package dev.gatehouse.core.http;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * A set of IP addresses and CIDR blocks, IPv4 and IPv6 ({@code 10.0.0.0/8}, {@code 127.0.0.1}, {@code ::1},
 * {@code 2001:db8::/32}); an IPv4 address written as IPv6 ({@code ::ffff:10.1.2.3}) is the IPv4 one.
 * Parsing never looks anything up in DNS.
 */
public final class AddressBlocks {

    private record Block(byte[] network, int prefixBits) {
    }

    public static final AddressBlocks NONE = new AddressBlocks(List.of());

    private final List<Block> blocks;

    private AddressBlocks(List<Block> blocks) {
        this.blocks = blocks;
    }

    /** Parses entries; throws naming the first bad one. */
    public static AddressBlocks parse(List<String> entries) {
        List<Block> blocks = new ArrayList<>();
        for (String entry : entries) {
            String[] parts = entry.trim().split("/", 2);
            byte[] address = literal(parts[0], entry);
            int bits = address.length * 8;
            if (parts.length == 2) {
                try {
                    bits = Integer.parseInt(parts[1]);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + entry + "' has a prefix length that is not a number");
                }
                if (bits < 0 || bits > address.length * 8) {
                    throw new IllegalArgumentException("'" + entry + "' has a prefix length outside 0.." + address.length * 8);
                }
            }
            blocks.add(new Block(address, bits));
        }
        return new AddressBlocks(List.copyOf(blocks));
    }

    public boolean isEmpty() {
        return blocks.isEmpty();
    }

    /** Whether an address (an IP literal) is in the set; false for anything that is not an IP literal. */
    public boolean contains(String ip) {
        if (blocks.isEmpty() || ip == null) {
            return false;
        }
        byte[] address;
        try {
            address = literal(ip, ip);
        } catch (IllegalArgumentException e) {
            return false;
        }
        for (Block block : blocks) {
            if (block.network.length == address.length && sharesPrefix(block.network, address, block.prefixBits)) {
                return true;
            }
        }
        return false;
    }

    private static boolean sharesPrefix(byte[] a, byte[] b, int bits) {
        int fullBytes = bits / 8;
        for (int i = 0; i < fullBytes; i++) {
            if (a[i] != b[i]) {
                return false;
            }
        }
        int rest = bits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xff << (8 - rest) & 0xff;
        return (a[fullBytes] & mask) == (b[fullBytes] & mask);
    }

    private static byte[] literal(String text, String entry) {
        String s = text.trim();
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        boolean looksLiteral = s.matches("[0-9.]+") || (s.contains(":") && s.matches("[0-9A-Fa-f:.%a-z]+"));
        if (!looksLiteral) {
            throw new IllegalArgumentException("'" + entry + "' is not an IP address or CIDR block");
        }
        try {
            // a literal never causes a DNS lookup; an IPv4-mapped IPv6 literal comes back as the IPv4 address
            return InetAddress.getByName(s).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + entry + "' is not an IP address or CIDR block");
        }
    }
}
