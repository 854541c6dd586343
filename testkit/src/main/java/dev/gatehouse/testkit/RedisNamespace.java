package dev.gatehouse.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** A key prefix owned by one test; {@link #close()} deletes exactly the keys under it. */
public final class RedisNamespace implements AutoCloseable {
    private final String prefix;

    RedisNamespace(String prefix) {
        this.prefix = prefix;
    }

    public String prefix() {
        return prefix;
    }

    public String key(String name) {
        return prefix + name;
    }

    /** Deletes this namespace's keys with SCAN + DEL; other data on the server is never touched. */
    @Override
    public void close() {
        try (RespClient redis = new RespClient(TestRedis.host(), TestRedis.port())) {
            String cursor = "0";
            do {
                List<?> reply = (List<?>) redis.command("SCAN", cursor, "MATCH", escape(prefix) + "*", "COUNT", "500");
                cursor = (String) reply.get(0);
                List<?> keys = (List<?>) reply.get(1);
                if (!keys.isEmpty()) {
                    String[] del = new String[keys.size() + 1];
                    del[0] = "DEL";
                    for (int i = 0; i < keys.size(); i++) {
                        del[i + 1] = (String) keys.get(i);
                    }
                    redis.command(del);
                }
            } while (!cursor.equals("0"));
        } catch (IOException e) {
            throw new UncheckedIOException("could not clean Redis namespace " + prefix, e);
        }
    }

    private static String escape(String glob) {
        return glob.replaceAll("([*?\\[\\]\\\\])", "\\\\$1");
    }
}
