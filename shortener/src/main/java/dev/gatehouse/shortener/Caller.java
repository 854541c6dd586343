package dev.gatehouse.shortener;

import io.vertx.core.MultiMap;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Who is calling, as the gateway in front says: {@code X-Gatehouse-Subject} (the key, user or JWT subject it
 * verified), {@code X-Gatehouse-Role} and {@code X-Gatehouse-Scopes}. The gateway drops these headers from
 * clients and sets them itself, so the shortener trusts them — and must therefore be reachable only through the
 * gateway (it listens on 127.0.0.1 by default). An admin is a session with role {@code admin} or a key with
 * scope {@code admin}.
 */
public record Caller(String subject, boolean admin) {

    public static final Caller ANONYMOUS = new Caller(null, false);

    public static Caller from(MultiMap headers) {
        String subject = headers.get("x-gatehouse-subject");
        if (subject == null || subject.isBlank()) {
            return ANONYMOUS;
        }
        String role = headers.get("x-gatehouse-role");
        String scopes = headers.get("x-gatehouse-scopes");
        boolean admin = "admin".equals(role) || (scopes != null && Arrays.asList(scopes.split(" ")).contains("admin"));
        return new Caller(subject.indexOf('%') >= 0 ? percentDecoded(subject) : subject, admin);
    }

    /** The gateway percent-encodes a subject that is not printable ASCII (and '%' itself), as UTF-8; '+' stays '+'. */
    static String percentDecoded(String value) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '%' && i + 2 < value.length() && HexFormat.isHexDigit(value.charAt(i + 1)) && HexFormat.isHexDigit(value.charAt(i + 2))) {
                out.write(HexFormat.fromHexDigits(value, i + 1, i + 3));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    public boolean known() {
        return subject != null;
    }

    /** Whether this caller may see, change or delete {@code link}: its owner, or an admin. */
    public boolean mayManage(Link link) {
        return admin || (subject != null && subject.equals(link.owner()));
    }
}
