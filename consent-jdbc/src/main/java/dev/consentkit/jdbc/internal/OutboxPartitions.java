package dev.consentkit.jdbc.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Internal API; may change without notice. Which of the outbox's 16 relay partitions a subject's rows go to: the
 * first hex digit of the MD5 of tenant, {@code /} and subject id (UTF-8). A pure function of the subject, so that all
 * of a subject's rows share a partition and a relay that holds the partition sends them in chain order; the
 * migration to schema version 3 computes the same in SQL for the rows it finds. MD5 spreads, it protects nothing.
 */
public final class OutboxPartitions {

    /** The number of partitions; the schema seeds one {@code outbox_partition} row for each. */
    public static final int COUNT = 16;

    /** One digest per thread: every write computes a partition per entry, and looking the algorithm up costs more. */
    private static final ThreadLocal<MessageDigest> MD5 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required by every Java platform", e);
        }
    });

    private OutboxPartitions() {}

    /** The partition, 0 to 15. */
    public static int of(String tenant, String subject) {
        byte[] digest = MD5.get().digest((tenant + '/' + subject).getBytes(StandardCharsets.UTF_8));
        return (digest[0] & 0xF0) >>> 4;
    }
}
