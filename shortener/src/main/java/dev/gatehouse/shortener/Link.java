package dev.gatehouse.shortener;

import dev.gatehouse.cache.CacheCodec;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.time.Instant;

/**
 * A short link as stored. Times are epoch milliseconds; {@code expiresAt} 0 means never. {@code version} grows
 * by one with every change, so a cache can tell the newer of two copies.
 */
public record Link(long id, String code, String url, String owner, boolean permanent, long createdAt, long updatedAt,
                   long expiresAt, long version) {

    public boolean expiredAt(long nowMillis) {
        return expiresAt != 0 && expiresAt <= nowMillis;
    }

    /** The link as the API shows it to its owner. */
    public JsonObject toJson(String shortUrlBase) {
        JsonObject json = new JsonObject().put("code", code).put("shortUrl", shortUrlBase + "/" + code).put("url", url)
                .put("permanent", permanent).put("owner", owner)
                .put("createdAt", Instant.ofEpochMilli(createdAt).toString())
                .put("updatedAt", Instant.ofEpochMilli(updatedAt).toString())
                .put("expiresAt", expiresAt == 0 ? null : Instant.ofEpochMilli(expiresAt).toString())
                .put("version", version);
        return json;
    }

    /** Links as the bytes the cache's Redis level keeps. */
    public static final CacheCodec<Link> CODEC = new CacheCodec<>() {
        @Override
        public Buffer encode(Link l) {
            return new JsonObject().put("i", l.id).put("c", l.code).put("u", l.url).put("o", l.owner).put("p", l.permanent)
                    .put("ca", l.createdAt).put("ua", l.updatedAt).put("e", l.expiresAt).put("v", l.version).toBuffer();
        }

        @Override
        public Link decode(Buffer bytes) {
            try {
                JsonObject j = new JsonObject(bytes);
                return new Link(j.getLong("i"), j.getString("c"), j.getString("u"), j.getString("o"), j.getBoolean("p"),
                        j.getLong("ca"), j.getLong("ua"), j.getLong("e"), j.getLong("v"));
            } catch (DecodeException | ClassCastException | NullPointerException e) {
                throw new IllegalArgumentException("not a cached link", e);
            }
        }

        @Override
        public int weigh(Link l) {
            return 96 + 2 * (l.code.length() + l.url.length() + l.owner.length());
        }
    };
}
