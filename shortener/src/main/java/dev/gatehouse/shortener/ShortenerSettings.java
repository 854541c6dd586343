package dev.gatehouse.shortener;

import java.time.Duration;
import java.util.Set;

/**
 * How one shortener instance runs.
 *
 * @param publicUrl the base of the short URLs it hands out, e.g. {@code https://sho.rt} (no trailing slash)
 * @param ownHosts hosts refused as link targets (the public URL's host is always among them)
 * @param linkLifetime how long a link stays cached (in Redis; in process when there is no Redis)
 * @param linkL1Ttl the longest a link stays in process memory when Redis holds it too
 * @param absentLifetime how long "no such link" is remembered (a new link with that code replaces it at once)
 * @param confirmEditsWithin how long an edit waits for every other instance to drop its old copy
 * @param clickFlushInterval the longest a click waits in memory before it is added to PostgreSQL
 * @param clickFlushAt a flush starts as soon as this many clicks wait
 * @param maxClickKeys distinct (link, day, referrer, agent) keys that may wait; clicks past it are dropped and counted
 * @param statsLifetime how long a stats answer is cached (a flush that counts the link's clicks drops it sooner)
 * @param purgeEvery how often the purge job looks for expired links
 * @param purgeAfter how long an expired link answers 410 before the purge deletes it (then 404, and its alias is free)
 * @param purgeBatch links deleted per transaction
 * @param maxClockBackWait the longest step back of the clock id generation waits out; past it, creation is refused
 * @param nodeLease how long a node id lease lasts without renewal
 * @param warmLinks how many of yesterday's and today's most clicked links are loaded into memory at start
 */
public record ShortenerSettings(String publicUrl, Set<String> ownHosts, Duration linkLifetime, Duration linkL1Ttl, Duration absentLifetime,
                                Duration confirmEditsWithin, Duration clickFlushInterval, long clickFlushAt, int maxClickKeys,
                                Duration statsLifetime, Duration purgeEvery, Duration purgeAfter, int purgeBatch,
                                Duration maxClockBackWait, Duration nodeLease, int warmLinks) {

    /** The defaults, for a service whose short URLs start with {@code publicUrl}. */
    public static ShortenerSettings defaults(String publicUrl) {
        String base = publicUrl.endsWith("/") ? publicUrl.substring(0, publicUrl.length() - 1) : publicUrl;
        return new ShortenerSettings(base, Set.of(), Duration.ofMinutes(10), Duration.ofMinutes(1), Duration.ofSeconds(10),
                Duration.ofMillis(250), Duration.ofSeconds(1), 10_000, 100_000, Duration.ofSeconds(30), Duration.ofMinutes(10),
                Duration.ofDays(7), 1000, Duration.ofSeconds(1), Duration.ofSeconds(30), 1000);
    }

    public ShortenerSettings withOwnHosts(Set<String> hosts) {
        return new ShortenerSettings(publicUrl, hosts, linkLifetime, linkL1Ttl, absentLifetime, confirmEditsWithin, clickFlushInterval,
                clickFlushAt, maxClickKeys, statsLifetime, purgeEvery, purgeAfter, purgeBatch, maxClockBackWait, nodeLease, warmLinks);
    }

    public ShortenerSettings withClickFlush(Duration interval, long at) {
        return new ShortenerSettings(publicUrl, ownHosts, linkLifetime, linkL1Ttl, absentLifetime, confirmEditsWithin, interval,
                at, maxClickKeys, statsLifetime, purgeEvery, purgeAfter, purgeBatch, maxClockBackWait, nodeLease, warmLinks);
    }

    public ShortenerSettings withPurge(Duration every, Duration after, int batch) {
        return new ShortenerSettings(publicUrl, ownHosts, linkLifetime, linkL1Ttl, absentLifetime, confirmEditsWithin, clickFlushInterval,
                clickFlushAt, maxClickKeys, statsLifetime, every, after, batch, maxClockBackWait, nodeLease, warmLinks);
    }

    public ShortenerSettings withWarmLinks(int count) {
        return new ShortenerSettings(publicUrl, ownHosts, linkLifetime, linkL1Ttl, absentLifetime, confirmEditsWithin, clickFlushInterval,
                clickFlushAt, maxClickKeys, statsLifetime, purgeEvery, purgeAfter, purgeBatch, maxClockBackWait, nodeLease, count);
    }

    /** The host of {@link #publicUrl}. */
    public String publicHost() {
        return java.net.URI.create(publicUrl).getHost();
    }
}
