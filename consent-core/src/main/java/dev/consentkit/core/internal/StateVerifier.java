package dev.consentkit.core.internal;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ChainLink;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ErasureRecord;
import dev.consentkit.core.PreferenceRecord;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.SubjectId;
import dev.consentkit.core.VerificationReport.BrokenChain;
import dev.consentkit.core.VerificationReport.Problem;
import dev.consentkit.core.spi.SubjectState;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Internal API; may change without notice. Recomputes a subject's current records (the latest per purpose by
 * effective time, then by sequence), current preferences (the latest per key) and erased flag from its intact
 * chain and reports every stored row that disagrees.
 */
public final class StateVerifier {

    private StateVerifier() {}

    /**
     * One row of a chain as a store read it for verification: the entry, or empty when the row could not be read
     * as an entry (then its key fields are what could be read).
     *
     * @param tenant   the tenant
     * @param subject  the subject
     * @param sequence the row's sequence number
     * @param id       the entry's id, empty if it could not be read
     * @param entry    the entry, empty for a malformed row
     */
    public record Row(String tenant, SubjectId subject, long sequence, Optional<UUID> id, Optional<AuditEntry> entry) {

        /** A row that was read as {@code entry}. */
        public static Row of(AuditEntry entry) {
            return new Row(
                    entry.tenant(),
                    entry.subject(),
                    entry.link().sequence(),
                    Optional.of(entry.id()),
                    Optional.of(entry));
        }

        /** A row that could not be read as an entry. */
        public static Row malformed(String tenant, SubjectId subject, long sequence, Optional<UUID> id) {
            return new Row(tenant, subject, sequence, id, Optional.empty());
        }
    }

    /**
     * What a store holds beside a subject's chain.
     *
     * @param head              the recorded head, empty if none
     * @param rowsKnown         false when only the head is known (then only the chain and head are checked)
     * @param erased            the stored erased flag
     * @param stateEntries      ids of the chain's entries that the stored current records point at (matched on
     *                          their purpose)
     * @param stateRows         how many current-record rows the store holds for the subject
     * @param preferenceEntries ids of the chain's entries that the stored current preferences point at (matched
     *                          on their key)
     * @param preferenceRows    how many current-preference rows the store holds for the subject
     */
    public record Stored(
            Optional<ChainLink> head,
            boolean rowsKnown,
            boolean erased,
            Set<UUID> stateEntries,
            long stateRows,
            Set<UUID> preferenceEntries,
            long preferenceRows) {

        public Stored {
            stateEntries = Set.copyOf(stateEntries);
            preferenceEntries = Set.copyOf(preferenceEntries);
        }

        /** Only the head is known. */
        public static Stored headOnly(Optional<ChainLink> head) {
            return new Stored(head, false, false, Set.of(), 0, Set.of(), 0);
        }

        /** What a store that answers {@code state} and {@code preferences} from its own rows holds. */
        public static Stored of(
                Optional<ChainLink> head, Optional<SubjectState> state, Map<String, PreferenceRecord> preferences) {
            Set<UUID> current = new HashSet<>();
            state.ifPresent(s -> s.current().forEach((p, r) -> {
                if (r.purpose().equals(p)) {
                    current.add(r.id());
                }
            }));
            Set<UUID> prefs = new HashSet<>();
            preferences.forEach((k, p) -> {
                if (p.key().equals(k)) {
                    prefs.add(p.id());
                }
            });
            return new Stored(
                    head,
                    true,
                    state.map(SubjectState::erased).orElse(false),
                    current,
                    state.map(s -> s.current().size()).orElse(0),
                    prefs,
                    preferences.size());
        }
    }

    /** Compares what {@code stored} holds with what the intact {@code chain} makes current; adds every problem. */
    static void compare(List<AuditEntry> chain, Stored stored, List<BrokenChain> broken) {
        AuditEntry first = chain.get(0);
        long afterLast = chain.get(chain.size() - 1).link().sequence() + 1;
        Map<PurposeId, ConsentRecord> current =
                new TreeMap<>((a, b) -> a.value().compareTo(b.value()));
        Map<String, PreferenceRecord> preferences = new TreeMap<>();
        boolean erased = false;
        for (AuditEntry e : chain) {
            if (e instanceof ConsentRecord r) {
                ConsentRecord existing = current.get(r.purpose());
                if (existing == null || SubjectState.supersedes(r, existing)) {
                    current.put(r.purpose(), r);
                }
            } else if (e instanceof PreferenceRecord p) {
                preferences.put(p.key(), p);
            } else if (e instanceof ErasureRecord) {
                erased = true;
            }
        }
        mismatches(chain, current.values(), stored.stateEntries(), stored.stateRows(), Problem.STATE_MISMATCH, broken);
        mismatches(
                chain,
                preferences.values(),
                stored.preferenceEntries(),
                stored.preferenceRows(),
                Problem.PREFERENCE_MISMATCH,
                broken);
        if (erased != stored.erased()) {
            broken.add(new BrokenChain(
                    first.tenant(), first.subject(), Optional.empty(), afterLast, Problem.ERASED_FLAG_MISMATCH));
        }
    }

    private static void mismatches(
            List<AuditEntry> chain,
            Collection<? extends AuditEntry> expected,
            Set<UUID> storedEntries,
            long storedRows,
            Problem problem,
            List<BrokenChain> broken) {
        AuditEntry first = chain.get(0);
        int before = broken.size();
        // a stored row keyed by purpose (or preference key) that points at any other entry leaves the expected one
        // unpointed: one problem per disagreeing row
        for (AuditEntry e : expected) {
            if (!storedEntries.contains(e.id())) { // the stored row points elsewhere, or is missing
                broken.add(new BrokenChain(
                        e.tenant(), e.subject(), Optional.of(e.id()), e.link().sequence(), problem));
            }
        }
        if (broken.size() == before && storedRows != expected.size()) { // rows for what the chain never recorded
            long afterLast = chain.get(chain.size() - 1).link().sequence() + 1;
            broken.add(new BrokenChain(first.tenant(), first.subject(), Optional.empty(), afterLast, problem));
        }
    }
}
