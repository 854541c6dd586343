package dev.gatehouse.server.logs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.gatehouse.server.logs.LogRows.row;
import static org.assertj.core.api.Assertions.assertThat;

/** The spool on disk: records in order across segments, bounded, checked, and adopted by a later node. */
class LogSpoolTest {
    private static final String DATABASE = "db-1";

    @TempDir
    Path dir;

    private static LogBatch batch(String node, long firstSeq, int rows) {
        List<RequestLogRow> list = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            list.add(row(1_765_000_000_000_000L + i, "r" + (firstSeq + i), "orders", 200, 1000 + i));
        }
        return new LogBatch(node, firstSeq, list);
    }

    private LogSpool spool(String node, long maxBytes, long segmentBytes) throws IOException {
        LogSpool spool = new LogSpool(dir, maxBytes, segmentBytes, node);
        spool.open(DATABASE);
        return spool;
    }

    private List<Path> segments() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".seg")).sorted().toList();
        }
    }

    private static List<Long> replayAll(LogSpool spool) throws IOException {
        List<Long> firsts = new ArrayList<>();
        for (LogBatch next = spool.peek(); next != null; next = spool.peek()) {
            assertThat(spool.peek()).as("the same batch until consumed").isSameAs(next);
            firsts.add(next.firstSeq());
            spool.consumed();
        }
        return firsts;
    }

    @Test
    void shouldGiveBackBatchesInOrderAcrossSegmentsAndDeleteEachSegmentOnceRead() throws IOException {
        try (LogSpool spool = spool("node-a", 1 << 20, 4096)) {
            assertThat(spool.isEmpty()).isTrue();
            for (int i = 0; i < 20; i++) {
                assertThat(spool.append(batch("node-a", 1 + i * 10L, 10))).isTrue();
            }
            assertThat(segments()).as("segments of 4 KiB").hasSizeGreaterThan(3);
            assertThat(spool.holdsOwn()).isTrue();
            long onDisk = 0;
            for (Path segment : segments()) {
                onDisk += Files.size(segment);
            }
            assertThat(spool.bytes()).isEqualTo(onDisk);

            LogBatch first = spool.peek();
            assertThat(first.rows()).isEqualTo(batch("node-a", 1, 10).rows());
            int before = segments().size();
            List<Long> firsts = replayAll(spool);
            assertThat(firsts).hasSize(20).isSorted().startsWith(1L, 11L, 21L);
            assertThat(segments()).as("deleted once read, " + before + " before").isEmpty();
            assertThat(spool.bytes()).isZero();
            assertThat(spool.isEmpty()).isTrue();

            assertThat(spool.append(batch("node-a", 201, 10))).as("appending after it emptied").isTrue();
            assertThat(spool.peek().firstSeq()).isEqualTo(201);
        }
    }

    @Test
    void shouldRefuseABatchThatWouldTakeItPastItsBound() throws IOException {
        try (LogSpool spool = spool("node-a", 8192, 4096)) {
            int kept = 0;
            while (spool.append(batch("node-a", 1 + kept * 10L, 10))) {
                kept++;
            }
            assertThat(kept).isPositive();
            assertThat(spool.bytes()).isLessThanOrEqualTo(8192);
            assertThat(replayAll(spool)).hasSize(kept);
        }
        try (LogSpool off = spool("node-b", 0, 4096)) {
            assertThat(off.append(batch("node-b", 1, 1))).as("spoolMaxBytes 0: no spool").isFalse();
        }
    }

    @Test
    void shouldReplayWhatAnEarlierNodeLeftAndSkipATornTail() throws IOException {
        try (LogSpool killed = spool("node-a", 1 << 20, 1 << 20)) {
            for (int i = 0; i < 3; i++) {
                killed.append(batch("node-a", 1 + i * 10L, 10));
            }
        }
        Path segment = segments().get(0);
        try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
            file.setLength(file.length() - 7); // the last record, cut short as by a crash mid-write
        }
        try (LogSpool next = spool("node-b", 1 << 20, 1 << 20)) {
            assertThat(next.holdsOwn()).isFalse();
            assertThat(next.isEmpty()).isFalse();
            assertThat(replayAll(next)).containsExactly(1L, 11L);
            assertThat(next.isEmpty()).isTrue();
        }
        assertThat(segments()).isEmpty();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).as("no lock file left behind").isEmpty();
        }
    }

    @Test
    void shouldSkipARecordWhoseChecksumDoesNotMatchWithTheRestOfItsSegment() throws IOException {
        long secondAt;
        try (LogSpool killed = spool("node-a", 1 << 20, 1 << 20)) {
            killed.append(batch("node-a", 1, 10));
            secondAt = killed.bytes();
            killed.append(batch("node-a", 11, 10));
            killed.append(batch("node-a", 21, 10));
        }
        try (RandomAccessFile file = new RandomAccessFile(segments().get(0).toFile(), "rw")) {
            file.seek(secondAt + 40);
            int b = file.read();
            file.seek(secondAt + 40);
            file.write(b ^ 0x55);
        }
        try (LogSpool next = spool("node-b", 1 << 20, 1 << 20)) {
            assertThat(replayAll(next)).containsExactly(1L);
        }
    }

    @Test
    void shouldLeaveAloneWhatAnotherDatabaseWasMeantToGet() throws IOException {
        try (LogSpool other = new LogSpool(dir, 1 << 20, 1 << 20, "node-a")) {
            other.open("db-other");
            other.append(batch("node-a", 1, 10));
        }
        try (LogSpool next = spool("node-b", 1 << 20, 1 << 20)) {
            assertThat(next.isEmpty()).isTrue();
            assertThat(next.bytes()).isZero();
        }
        assertThat(segments()).hasSize(1);
    }

    @Test
    void shouldNotTakeTheSegmentsOfANodeStillRunning() throws IOException {
        try (LogSpool running = spool("node-a", 1 << 20, 1 << 20)) {
            running.append(batch("node-a", 1, 10));
            try (LogSpool other = spool("node-b", 1 << 20, 1 << 20)) {
                assertThat(other.isEmpty()).isTrue();
            }
            assertThat(replayAll(running)).containsExactly(1L);
        }
    }
}
