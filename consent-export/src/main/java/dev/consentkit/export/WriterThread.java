package dev.consentkit.export;

import dev.consentkit.core.AuditEntry;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Reads entries on the calling thread and formats them on a second thread, so that fetching rows from the store
 * and writing JSON or CSV overlap instead of taking turns. At most {@link #IN_FLIGHT} batches of {@link #BATCH}
 * entries wait between the two, so memory stays constant. The calling thread keeps the store's cursor (and any
 * transaction-bound connection); the writer thread alone touches the output.
 */
final class WriterThread {

    static final int BATCH = 256;
    static final int IN_FLIGHT = 4;
    private static final List<AuditEntry> END = new ArrayList<>(0);

    private WriterThread() {}

    /**
     * Hands every entry of {@code source} to {@code sink} on a writer thread, in order, and returns once all are
     * written. A failure on either side stops both and is rethrown here.
     *
     * @return how many entries were written
     */
    static long run(Iterator<AuditEntry> source, Consumer<AuditEntry> sink) {
        BlockingQueue<List<AuditEntry>> queue = new ArrayBlockingQueue<>(IN_FLIGHT);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread writer = new Thread(
                () -> {
                    try {
                        for (List<AuditEntry> batch = queue.take(); batch != END; batch = queue.take()) {
                            batch.forEach(sink);
                        }
                    } catch (InterruptedException e) {
                        // the reading side failed and stopped us
                    } catch (RuntimeException | Error e) {
                        failure.set(e);
                        queue.clear(); // unblock the reader, which then sees the failure
                    }
                },
                "consentkit-export-writer");
        writer.setDaemon(true);
        writer.start();
        long n = 0;
        boolean handedOver = false;
        try {
            boolean writing = true;
            List<AuditEntry> batch = new ArrayList<>(BATCH);
            while (writing && source.hasNext()) {
                batch.add(source.next());
                n++;
                if (batch.size() == BATCH) {
                    writing = put(queue, batch, failure);
                    batch = new ArrayList<>(BATCH);
                }
            }
            if (writing && !batch.isEmpty()) {
                writing = put(queue, batch, failure);
            }
            handedOver = writing && put(queue, END, failure);
        } finally {
            if (!handedOver) {
                writer.interrupt();
            }
            joinUninterruptibly(writer);
        }
        Throwable failed = failure.get();
        if (failed instanceof RuntimeException e) {
            throw e;
        }
        if (failed instanceof Error e) {
            throw e;
        }
        if (!handedOver) {
            throw new IllegalStateException("export writer stopped early");
        }
        return n;
    }

    /** Queues {@code batch}; false if the writer has failed and will take no more. */
    private static boolean put(
            BlockingQueue<List<AuditEntry>> queue, List<AuditEntry> batch, AtomicReference<Throwable> failure) {
        try {
            while (failure.get() == null) {
                if (queue.offer(batch, 50, TimeUnit.MILLISECONDS)) {
                    return true;
                }
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while exporting", e);
        }
    }

    private static void joinUninterruptibly(Thread writer) {
        boolean interrupted = false;
        while (true) {
            try {
                writer.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
                writer.interrupt();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
