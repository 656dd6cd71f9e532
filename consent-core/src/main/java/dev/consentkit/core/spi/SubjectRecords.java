package dev.consentkit.core.spi;

import dev.consentkit.core.SubjectId;
import dev.consentkit.core.internal.Checks;
import java.util.List;

/**
 * One subject of an {@linkplain ConsentStore#audience audience read}: its current records on the purposes asked
 * (at most one per purpose, in no particular order) and whether it was erased.
 *
 * @param subject the subject (a pseudonym for an erased subject)
 * @param records the subject's current records on the purposes asked; empty if it has none
 * @param erased  true if the subject's chain ends in an erasure
 */
public record SubjectRecords(SubjectId subject, List<DecidingRecord> records, boolean erased) {

    public SubjectRecords {
        Checks.notNull(subject, "subjectRecords.subject");
        records = List.copyOf(Checks.notNull(records, "subjectRecords.records"));
    }
}
