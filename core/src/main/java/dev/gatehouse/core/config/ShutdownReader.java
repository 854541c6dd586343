package dev.gatehouse.core.config;

import java.time.Duration;

/** Reads {@code gateway.shutdown}: how long a stopping node keeps serving, and how long it waits for requests under way. */
final class ShutdownReader {

    private ShutdownReader() {
    }

    static ShutdownConfig read(ConfigNode listener) {
        if (!listener.has("shutdown")) {
            return ShutdownConfig.DEFAULTS;
        }
        ConfigNode n = listener.child("shutdown");
        ShutdownConfig config = new ShutdownConfig(n.duration("delay", ShutdownConfig.DEFAULT_DELAY, Duration.ZERO, Duration.ofHours(1)),
                n.duration("timeout", ShutdownConfig.DEFAULT_TIMEOUT, Duration.ZERO, Duration.ofHours(1)));
        n.rejectUnknownKeys();
        return config;
    }
}
