package dev.consentkit.core.internal;

import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ConsentStatus;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.spi.SubjectState;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Internal API; may change without notice. A flat, per-tenant table of the records in force, published by the
 * in-memory store whenever a subject's state changes, so that a check reads one array instead of following the
 * records: for every subject one {@code long[]} row, for every purpose slot of the tenant two longs describing the
 * record in force on that purpose (the latest by effective time, then by chain order, among the records on the
 * purpose and its ancestors). Rows are immutable once published (copy on write); readers never lock.
 *
 * <p>A tenant's purpose slots are numbered in the order they are first reserved (by a manager, for its declared
 * purposes and their ancestors) or met in a record; a row covers the slots the tenant had when it was published,
 * so a reader asking about a later slot has to decide from the store instead.
 */
public final class DecidingTable {

    /** Row element 0: flags. */
    private static final long ERASED = 1L;
    /** In a slot's info long: a record is in force. */
    private static final long PRESENT = 1L;

    private static final int STATUS_SHIFT = 1;
    private static final int SLOT_SHIFT = 8;
    private static final long SLOT_MASK = 0xFF_FFFFL;
    private static final int VERSION_SHIFT = 32;

    /** An expiry instant as epoch microseconds when there is none, or it lies beyond what a long holds. */
    public static final long NEVER = Long.MAX_VALUE;

    private static final ConsentStatus[] STATUSES = ConsentStatus.values();

    private final ConcurrentHashMap<String, Tenant> tenants = new ConcurrentHashMap<>();

    /** The table of {@code tenant}, created empty on first use. */
    public Tenant tenant(String tenant) {
        return tenants.computeIfAbsent(tenant, t -> new Tenant());
    }

    /** Publishes the subject's state after a write: its row replaces the one before. */
    public void publish(SubjectState after) {
        tenant(after.tenant()).publish(after);
    }

    /** Forgets the subject (its entries moved to its pseudonym): no identifier lingers. */
    public void remove(String tenant, String subject) {
        Tenant t = tenants.get(tenant);
        if (t != null) {
            t.rows.remove(subject);
        }
    }

    /** One tenant's slots and rows. */
    public static final class Tenant {
        private final ConcurrentHashMap<String, long[]> rows = new ConcurrentHashMap<>();
        private final Map<PurposeId, Integer> slotOf = new ConcurrentHashMap<>();
        private volatile PurposeId[] slots = new PurposeId[0];

        private Tenant() {}

        /** The slots of {@code ids}, reserving new ones for ids the tenant has not seen. */
        public int[] reserve(Collection<PurposeId> ids) {
            int[] result = new int[ids.size()];
            int i = 0;
            for (PurposeId id : ids) {
                result[i++] = slot(id);
            }
            return result;
        }

        /** The purpose of {@code slot}. */
        public PurposeId purposeOf(int slot) {
            return slots[slot];
        }

        private int slot(PurposeId id) {
            Integer known = slotOf.get(id);
            if (known != null) {
                return known;
            }
            synchronized (this) {
                known = slotOf.get(id);
                if (known != null) {
                    return known;
                }
                PurposeId[] next = Arrays.copyOf(slots, slots.length + 1);
                next[slots.length] = id;
                slots = next;
                slotOf.put(id, slots.length - 1);
                return slots.length - 1;
            }
        }

        /**
         * The subject's row, or null if the store holds no entry under this id (never written, erased: its entries
         * moved to its pseudonym, or forgotten). Reading it allocates nothing.
         */
        public long @Nullable [] row(String subject) {
            return rows.get(subject);
        }

        private void publish(SubjectState after) {
            for (PurposeId id : after.current().keySet()) {
                slot(id); // every record's own purpose has a slot, so a row can name it
            }
            PurposeId[] known = slots;
            long[] row = new long[1 + 2 * known.length];
            row[0] = after.erased() ? ERASED : 0;
            Map<PurposeId, ConsentRecord> current = after.current();
            if (!current.isEmpty()) {
                for (int s = 0; s < known.length; s++) {
                    ConsentRecord best = null;
                    for (PurposeId id = known[s]; id != null; id = id.parent().orElse(null)) {
                        ConsentRecord r = current.get(id);
                        if (r != null && (best == null || SubjectState.supersedes(r, best))) {
                            best = r;
                        }
                    }
                    if (best != null) {
                        row[1 + 2 * s] = info(best, slot(best.purpose()));
                        row[2 + 2 * s] =
                                best.expiresAt().map(DecidingTable::micros).orElse(NEVER);
                    }
                }
            }
            rows.put(after.subject().value(), row);
        }
    }

    private static long info(ConsentRecord r, int recordSlot) {
        return PRESENT
                | ((long) r.status().ordinal() << STATUS_SHIFT)
                | (((long) recordSlot & SLOT_MASK) << SLOT_SHIFT)
                | ((long) r.purposeVersion() << VERSION_SHIFT);
    }

    /** The instant as epoch microseconds, rounded up ({@link #NEVER} beyond a long's range). */
    public static long micros(Instant t) {
        long seconds = t.getEpochSecond();
        if (seconds > Long.MAX_VALUE / 1_000_000 - 1) {
            return NEVER;
        }
        if (seconds < Long.MIN_VALUE / 1_000_000 + 1) {
            return Long.MIN_VALUE;
        }
        int nanos = t.getNano();
        return seconds * 1_000_000 + nanos / 1000 + (nanos % 1000 == 0 ? 0 : 1);
    }

    /** True if the row says the subject (here: its pseudonym) was erased. */
    public static boolean erased(long[] row) {
        return (row[0] & ERASED) != 0;
    }

    /** True if the row has a place for {@code slot}. */
    public static boolean covers(long[] row, int slot) {
        return 2 + 2 * slot < row.length;
    }

    /** The info long of {@code slot}: 0 if no record is in force. */
    public static long info(long[] row, int slot) {
        return row[1 + 2 * slot];
    }

    /** The expiry of the record in force on {@code slot} as epoch microseconds rounded up, or {@link #NEVER}. */
    public static long expiresMicros(long[] row, int slot) {
        return row[2 + 2 * slot];
    }

    /** True if {@code info} holds a record. */
    public static boolean present(long info) {
        return (info & PRESENT) != 0;
    }

    /** The status of the record in {@code info}. */
    public static ConsentStatus status(long info) {
        return STATUSES[(int) ((info >>> STATUS_SHIFT) & 0x7F)];
    }

    /** The slot of the purpose the record in {@code info} was made on. */
    public static int recordSlot(long info) {
        return (int) ((info >>> SLOT_SHIFT) & SLOT_MASK);
    }

    /** The purpose version of the record in {@code info}. */
    public static int version(long info) {
        return (int) (info >>> VERSION_SHIFT);
    }
}
