package dev.consentkit.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ChainLink;
import dev.consentkit.core.ErasureRecord;
import dev.consentkit.core.SubjectId;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WriterThreadTest {

    /** Read ahead of the writer at most: the queue, the batch being filled, the one being written, one more. */
    private static final int READ_AHEAD_AT_MOST = WriterThread.BATCH * (WriterThread.IN_FLIGHT + 3);

    private static AuditEntry entry(int i) {
        return new ErasureRecord(
                UUID.nameUUIDFromBytes(Integer.toString(i).getBytes()),
                "default",
                new SubjectId("s-" + i),
                "test",
                Instant.EPOCH.plusSeconds(i),
                "digest",
                ChainLink.UNSEALED);
    }

    /** Entries 0..count-1, counting how many were read; {@code failAt} throws instead of returning that one. */
    private static final class Source implements Iterator<AuditEntry> {
        final AtomicInteger read = new AtomicInteger();
        private final int count;
        private final IntFunction<RuntimeException> failAt;

        Source(int count, IntFunction<RuntimeException> failAt) {
            this.count = count;
            this.failAt = failAt;
        }

        @Override
        public boolean hasNext() {
            return read.get() < count;
        }

        @Override
        public AuditEntry next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            int i = read.getAndIncrement();
            RuntimeException failure = failAt.apply(i);
            if (failure != null) {
                throw failure;
            }
            return entry(i);
        }
    }

    @AfterEach
    void noWriterThreadIsLeftBehind() {
        assertThat(Thread.getAllStackTraces().keySet())
                .extracting(Thread::getName)
                .doesNotContain("consentkit-export-writer");
    }

    @Test
    void writesEveryEntryInOrderOnAnotherThread() {
        int count = WriterThread.BATCH * WriterThread.IN_FLIGHT * 3 + 17;
        List<AuditEntry> written = Collections.synchronizedList(new ArrayList<>());
        List<String> threads = Collections.synchronizedList(new ArrayList<>());

        long n = WriterThread.run(new Source(count, i -> null), e -> {
            written.add(e);
            threads.add(Thread.currentThread().getName());
        });

        assertThat(n).isEqualTo(count);
        assertThat(written).hasSize(count);
        for (int i = 0; i < count; i++) {
            assertThat(written.get(i)).isEqualTo(entry(i));
        }
        assertThat(threads).containsOnly("consentkit-export-writer");
    }

    @Test
    void writesNothingForAnEmptySource() {
        List<AuditEntry> written = new ArrayList<>();

        assertThat(WriterThread.run(new Source(0, i -> null), written::add)).isZero();
        assertThat(written).isEmpty();
    }

    @Test
    void aFailingWriterStopsTheReadingAndItsFailureIsRethrown() {
        Source source = new Source(1_000_000, i -> null);
        AtomicInteger written = new AtomicInteger();
        UncheckedIOException diskFull = new UncheckedIOException(new java.io.IOException("disk full"));

        assertThatThrownBy(() -> WriterThread.run(source, e -> {
                    if (written.incrementAndGet() == 700) {
                        throw diskFull;
                    }
                }))
                .isSameAs(diskFull);

        assertThat(source.read.get()).isLessThanOrEqualTo(700 + READ_AHEAD_AT_MOST);
    }

    @Test
    void aFailingReadStopsTheWriterAndIsRethrown() {
        IllegalStateException storeDown = new IllegalStateException("store down");
        Source source = new Source(10_000, i -> i == 3000 ? storeDown : null);
        AtomicInteger written = new AtomicInteger();

        assertThatThrownBy(() -> WriterThread.run(source, e -> written.incrementAndGet()))
                .isSameAs(storeDown);

        assertThat(written.get()).isLessThanOrEqualTo(3000);
    }
}
