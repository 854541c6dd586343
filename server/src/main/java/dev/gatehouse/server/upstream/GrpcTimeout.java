package dev.gatehouse.server.upstream;

/**
 * A gRPC client's deadline as its {@code grpc-timeout} header gives it: at most eight digits and a unit
 * ({@code H}, {@code M}, {@code S}, {@code m}, {@code u}, {@code n}). The proxy waits no longer than it for the
 * upstream's answer, and passes the header on so the server knows it too.
 */
final class GrpcTimeout {
    static final String HEADER = "grpc-timeout";

    private GrpcTimeout() {
    }

    /** The timeout in nanoseconds, or -1 when the header is absent or malformed (then it is not honoured). */
    static long parseNanos(String value) {
        if (value == null || value.length() < 2 || value.length() > 9) {
            return -1;
        }
        long amount = 0;
        for (int i = 0; i < value.length() - 1; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            amount = amount * 10 + (c - '0');
        }
        long unitNanos = switch (value.charAt(value.length() - 1)) {
            case 'H' -> 3_600_000_000_000L;
            case 'M' -> 60_000_000_000L;
            case 'S' -> 1_000_000_000L;
            case 'm' -> 1_000_000L;
            case 'u' -> 1_000L;
            case 'n' -> 1L;
            default -> -1;
        };
        if (unitNanos < 0) {
            return -1;
        }
        // at most 99 999 999 hours: past Long.MAX_VALUE nanoseconds, and so no bound at all
        return amount > Long.MAX_VALUE / unitNanos ? Long.MAX_VALUE : Math.max(1, amount * unitNanos);
    }
}
