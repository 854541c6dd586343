package dev.gatehouse.server.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where records wait on local disk while PostgreSQL cannot take them (request-log batches, jobs accepted while it was
 * away): append-only segment files
 * ({@code <node>.<n>.seg}, a new one past {@code segmentBytes}), each record a batch, prefixed with its length and
 * the CRC32 of its bytes, so a record cut short by a crash or garbled on disk is found and skipped (with the rest
 * of its segment, logged once). Segments are read back in order and deleted once every record in them is shipped.
 * The whole spool (this node's segments and those it adopted) stays within {@code maxBytes}.
 *
 * <p>Each segment starts with the identity of the database its rows are meant for. A node holds a lock on its own
 * {@code <node>.pid-<pid>.lock} while it runs, and deletes it when it closes; at start, a node adopts the segments
 * of earlier nodes that have no lock file or whose lock is free (a process killed with -9 holds none) and whose
 * database is its own, and replays them too. Two nodes that adopted the same segments would still write each row
 * once: the shipping cursor decides that, not the lock.
 *
 * <p>With {@code sync}, each append is forced to the disk before it returns (and a new segment's directory entry with
 * it): what was appended then survives a power cut, not only the process.
 *
 * <p>For one thread at a time, except {@link #bytes()}.
 *
 * @param <T> what a record holds, turned to bytes and back by the spool's {@link Codec}
 */
public final class Spool<T> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Spool.class);

    /** A record's payload and back; {@link #decode} throws {@link IOException} for bytes that are not one (cut short, garbled). */
    public interface Codec<T> {
        byte[] encode(T record);

        T decode(byte[] payload) throws IOException;
    }

    public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
    private static final Pattern SEGMENT = Pattern.compile("([A-Za-z0-9_-]+)\\.(\\d+)\\.seg");
    private static final Pattern LOCK = Pattern.compile("([A-Za-z0-9_-]+)\\.pid-(\\d+)\\.lock");

    /** A lock on a file, held until released. */
    private record HeldLock(Path file, FileLock lock) {
    }

    private final Path dir;
    private final String name;
    private final byte[] magic;
    private final Codec<T> codec;
    private final boolean sync;
    private final long maxBytes;
    private final long segmentBytes;
    private final String node;
    private final long pid = ProcessHandle.current().pid();
    private final AtomicLong bytes = new AtomicLong();
    private final Deque<SpoolSegment> own = new ArrayDeque<>();
    private final Deque<SpoolSegment> adopted = new ArrayDeque<>();
    /** The locks of the nodes whose segments this one adopted, by node. */
    private final Map<String, HeldLock> adoptedLocks = new HashMap<>();
    private byte[] header;
    private HeldLock ownLock;
    private int nextSegment = 1;
    private SpoolSegment peeked;
    private int peekedBytes;
    private T peekedBatch;

    /**
     * @param name what the spool holds, for the log: e.g. {@code request-log spool}
     * @param magic eight bytes at the head of each segment saying what it holds (a spool leaves another kind's files alone)
     * @param nodeId the node (boot) whose records this spool takes
     * @param sync whether each append is on the disk (fsync) before it returns
     */
    public Spool(Path dir, String name, String magic, Codec<T> codec, boolean sync, long maxBytes, long segmentBytes, String nodeId) {
        this.dir = dir;
        this.name = name;
        this.magic = magic.getBytes(StandardCharsets.US_ASCII);
        this.codec = codec;
        this.sync = sync;
        this.maxBytes = maxBytes;
        this.segmentBytes = segmentBytes;
        this.node = nodeId.replaceAll("[^A-Za-z0-9_-]", "_");
    }

    /** Binds the spool to the database its rows go to, and adopts what earlier nodes left here for it. */
    public void open(String databaseId) throws IOException {
        byte[] id = databaseId.getBytes(StandardCharsets.UTF_8);
        header = ByteBuffer.allocate(magic.length + 4 + id.length).put(magic).putInt(id.length).put(id).array();
        if (!Files.isDirectory(dir)) {
            return;
        }
        Map<String, TreeMap<Long, Path>> segments = new TreeMap<>();
        Map<String, List<Path>> locks = new HashMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                Matcher m = SEGMENT.matcher(name);
                if (m.matches()) {
                    segments.computeIfAbsent(m.group(1), n -> new TreeMap<>()).put(Long.parseLong(m.group(2)), file);
                } else if ((m = LOCK.matcher(name)).matches()) {
                    locks.computeIfAbsent(m.group(1), n -> new ArrayList<>()).add(file);
                }
            }
        }
        int foreign = 0;
        for (Map.Entry<String, TreeMap<Long, Path>> entry : segments.entrySet()) {
            String other = entry.getKey();
            List<Path> otherLocks = locks.getOrDefault(other, List.of());
            if (other.equals(node) || otherLocks.stream().anyMatch(this::lockedByThisProcess)) {
                continue; // a node of this very process: it is running, or will be replayed by the next process
            }
            HeldLock lock = claim(other, otherLocks);
            if (lock == null) {
                continue; // its node is still running
            }
            List<SpoolSegment> taken = new ArrayList<>();
            boolean theirs = true;
            for (Path file : entry.getValue().values()) {
                SpoolSegment segment = SpoolSegment.open(file, other, header);
                if (segment == null) {
                    theirs = false;
                    foreign++;
                } else if (!segment.fullyRead()) {
                    taken.add(segment);
                } else {
                    segment.delete(); // nothing in it: its node died creating it
                }
            }
            if (!theirs || taken.isEmpty()) {
                taken.forEach(SpoolSegment::close);
                release(lock, theirs);
                continue;
            }
            adopted.addAll(taken);
            taken.forEach(s -> bytes.addAndGet(s.size()));
            adoptedLocks.put(other, lock);
        }
        // locks of nodes that ended with nothing spooled
        for (Map.Entry<String, List<Path>> entry : locks.entrySet()) {
            if (!segments.containsKey(entry.getKey())) {
                for (Path file : entry.getValue()) {
                    if (!lockedByThisProcess(file)) {
                        HeldLock lock = tryLock(file);
                        if (lock != null) {
                            release(lock, true);
                        }
                    }
                }
            }
        }
        if (foreign > 0) {
            log.warn("{} {}: {} segment file(s) hold records for another database (or of another kind); they are left alone", name, dir, foreign);
        }
        if (!adopted.isEmpty()) {
            log.info("{} {}: replaying {} bytes of records that earlier runs of nodes left here", name, dir, bytes.get());
        }
    }

    private boolean lockedByThisProcess(Path lockFile) {
        Matcher m = LOCK.matcher(lockFile.getFileName().toString());
        return m.matches() && Long.parseLong(m.group(2)) == pid;
    }

    /** Takes the lock of a node that is gone, renamed as this process's; null when its node still holds it. */
    private HeldLock claim(String other, List<Path> otherLocks) throws IOException {
        Path mine = dir.resolve(other + ".pid-" + pid + ".lock");
        Path file = otherLocks.isEmpty() ? mine : otherLocks.get(0);
        HeldLock lock = tryLock(file);
        if (lock == null || file.equals(mine)) {
            return lock;
        }
        // renamed under the lock, so a node of this process starting later leaves it alone without opening it
        // (closing any descriptor of a file drops every lock this process holds on it)
        Files.move(file, mine, StandardCopyOption.ATOMIC_MOVE);
        return new HeldLock(mine, lock.lock());
    }

    /** Whether batches of this node wait in the spool (new ones then go after them, to keep their order). */
    public boolean holdsOwn() {
        return !own.isEmpty();
    }

    public boolean isEmpty() {
        return own.isEmpty() && adopted.isEmpty();
    }

    /** The spool's size on disk. */
    public long bytes() {
        return bytes.get();
    }

    /**
     * Appends {@code batch}; false, with nothing written, when it would take the spool past its bound.
     *
     * @throws IOException when the disk refused it (nothing of it is then kept)
     */
    public boolean append(T batch) throws IOException {
        byte[] payload = codec.encode(batch);
        SpoolSegment segment = own.peekLast();
        boolean fresh = segment == null || segment.size() + SpoolSegment.RECORD_HEAD + payload.length > segmentBytes;
        long needed = SpoolSegment.RECORD_HEAD + payload.length + (fresh ? header.length : 0);
        if (bytes.get() + needed > maxBytes) {
            return false;
        }
        if (fresh) {
            segment = newSegment();
        }
        try {
            bytes.addAndGet(segment.append(payload));
            if (sync) {
                segment.force();
            }
        } catch (IOException e) {
            tidy(segment);
            throw e;
        }
        return true;
    }

    private SpoolSegment newSegment() throws IOException {
        if (ownLock == null) {
            Files.createDirectories(dir);
            ownLock = tryLock(dir.resolve(node + ".pid-" + pid + ".lock"));
            if (ownLock == null) {
                throw new IOException("another process holds this node's spool lock in " + dir);
            }
        }
        SpoolSegment segment = SpoolSegment.create(dir.resolve(node + "." + String.format("%08d", nextSegment++) + ".seg"), node, header);
        if (sync) {
            segment.force();
            syncDirectory();
        }
        own.addLast(segment);
        bytes.addAndGet(header.length);
        return segment;
    }

    /**
     * The next batch to replay, this node's first and then adopted ones, each in the order it was spooled; the
     * same one until {@link #consumed()}. Null when the spool is empty.
     */
    public T peek() throws IOException {
        while (peeked == null) {
            SpoolSegment segment = own.isEmpty() ? adopted.peekFirst() : own.peekFirst();
            if (segment == null) {
                return null;
            }
            SpoolSegment.Next next = segment.next();
            String damage = next.damage();
            if (damage == null) {
                try {
                    peekedBatch = codec.decode(next.payload());
                    peeked = segment;
                    peekedBytes = next.bytes();
                } catch (IOException e) {
                    damage = "corrupt (" + e.getMessage() + ")";
                }
            }
            if (damage != null) {
                log.warn("{} {}: the record at byte {} is {}; skipping the last {} bytes of the segment",
                        name, segment.path, segment.readAt(), damage, segment.size() - segment.readAt());
                segment.skipRest();
                tidy(segment);
            }
        }
        return peekedBatch;
    }

    /** The batch {@link #peek()} returned is shipped (or will never be): on to the next. */
    public void consumed() throws IOException {
        if (peeked == null) {
            throw new IllegalStateException("nothing was peeked");
        }
        SpoolSegment segment = peeked;
        segment.advance(peekedBytes);
        peeked = null;
        peekedBatch = null;
        tidy(segment);
    }

    /** Deletes a segment read to its end, and lets go of an adopted node's lock with its last segment. */
    private void tidy(SpoolSegment segment) throws IOException {
        if (!segment.fullyRead()) {
            return;
        }
        segment.delete();
        bytes.addAndGet(-segment.size());
        if (!own.remove(segment) && adopted.remove(segment) && adopted.stream().noneMatch(s -> s.node.equals(segment.node))) {
            release(adoptedLocks.remove(segment.node), true);
        }
    }

    private static HeldLock tryLock(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                return null;
            }
            return new HeldLock(file, lock);
        } catch (OverlappingFileLockException | IOException e) {
            channel.close();
            if (e instanceof IOException io) {
                throw io;
            }
            return null;
        }
    }

    /** Releases a lock and closes its file, deleting it when {@code delete}. */
    private static void release(HeldLock held, boolean delete) {
        if (held == null) {
            return;
        }
        try {
            if (delete) {
                Files.deleteIfExists(held.file());
            }
            held.lock().channel().close();
        } catch (IOException e) {
            log.debug("spool: could not release the lock {}: {}", held.file(), e.getMessage());
        }
    }

    /** Makes a new segment's name durable with it (a file forced to disk is lost with its directory entry if that is not). */
    private void syncDirectory() {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            log.debug("{} {}: could not sync the directory: {}", name, dir, e.getMessage());
        }
    }

    /** Lets go of every file; what is still spooled stays on disk for the next start to replay. */
    @Override
    public void close() {
        own.forEach(SpoolSegment::close);
        adopted.forEach(SpoolSegment::close);
        own.clear();
        adopted.clear();
        // without a lock file, what is left is any later node's to adopt, in this process or another
        adoptedLocks.values().forEach(lock -> release(lock, true));
        adoptedLocks.clear();
        release(ownLock, true);
        ownLock = null;
    }
}
