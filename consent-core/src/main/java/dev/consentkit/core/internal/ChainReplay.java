package dev.consentkit.core.internal;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ErasureRecord;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.SubjectId;
import dev.consentkit.core.spi.DecidingRecord;
import dev.consentkit.core.spi.SubjectRecords;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;

/**
 * Internal API; may change without notice. Audiences replayed from chains, for stores without a faster way: each
 * subject's current record per purpose is the latest by effective time, then by chain order (the rule the stores'
 * state follows), and a chain that ends in an erasure is an erased subject.
 */
public final class ChainReplay {

    private ChainReplay() {}

    /**
     * The subjects of {@code entries} (grouped by subject, by sequence within a subject, as
     * {@link dev.consentkit.core.spi.ConsentStore#chains} streams them) with their current records on
     * {@code purposes}; without {@code everySubject} only those with such a record. Closing the result closes
     * {@code entries}.
     */
    public static Stream<SubjectRecords> audience(
            Stream<AuditEntry> entries, Set<PurposeId> purposes, boolean everySubject) {
        Iterator<AuditEntry> it = entries.iterator();
        Spliterator<SubjectRecords> grouped =
                new Spliterators.AbstractSpliterator<SubjectRecords>(
                        Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL) {
                    private @Nullable AuditEntry pending;

                    @Override
                    public boolean tryAdvance(Consumer<? super SubjectRecords> action) {
                        while (true) {
                            AuditEntry first = pending != null ? pending : (it.hasNext() ? it.next() : null);
                            pending = null;
                            if (first == null) {
                                return false;
                            }
                            SubjectId subject = first.subject();
                            Map<PurposeId, DecidingRecord> current = new HashMap<>();
                            boolean erased = false;
                            AuditEntry e = first;
                            while (true) {
                                if (e instanceof ConsentRecord r && purposes.contains(r.purpose())) {
                                    DecidingRecord d = DecidingRecord.of(r);
                                    DecidingRecord existing = current.get(r.purpose());
                                    if (existing == null || d.supersedes(existing)) {
                                        current.put(r.purpose(), d);
                                    }
                                }
                                erased = e instanceof ErasureRecord;
                                if (!it.hasNext()) {
                                    break;
                                }
                                AuditEntry next = it.next();
                                if (!next.subject().equals(subject)) {
                                    pending = next;
                                    break;
                                }
                                e = next;
                            }
                            if (everySubject || !current.isEmpty()) {
                                action.accept(new SubjectRecords(subject, new ArrayList<>(current.values()), erased));
                                return true;
                            }
                        }
                    }
                };
        return StreamSupport.stream(grouped, false).onClose(entries::close);
    }
}
