package dev.consentkit.spring.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.consentkit.core.ConsentRecord;
import org.jspecify.annotations.Nullable;

/**
 * A consent record, as {@code POST /subjects/{subject}/choices} and {@code GET /subjects/{subject}/history} answer
 * it. The evidence beyond source, collection point and actor is in the exports only.
 *
 * @param id              the record id
 * @param subject         the subject
 * @param purpose         the purpose id
 * @param purposeVersion  the purpose version the choice was made on
 * @param status          what was chosen, for example {@code GRANTED}
 * @param recordedAt      when it was recorded (ISO-8601)
 * @param effectiveAt     when it took effect (ISO-8601)
 * @param expiresAt       when a grant lapses (ISO-8601), absent if it does not
 * @param conflict        a Global Privacy Control signal overrode an explicit grant
 * @param source          the channel, for example {@code WEB}
 * @param collectionPoint where it was collected
 * @param actor           who made it: {@code SUBJECT}, {@code AGENT} or {@code SYSTEM}
 * @param actorId         the agent's or system's id, absent for the subject itself
 * @param sequence        its place in the subject's chain, from 1
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ConsentRecordResponse(
        String id,
        String subject,
        String purpose,
        int purposeVersion,
        String status,
        String recordedAt,
        String effectiveAt,
        @Nullable String expiresAt,
        boolean conflict,
        String source,
        String collectionPoint,
        String actor,
        @Nullable String actorId,
        long sequence) {

    /** {@code record} as it is answered. */
    public static ConsentRecordResponse of(ConsentRecord record) {
        return new ConsentRecordResponse(
                record.id().toString(),
                record.subject().value(),
                record.purpose().value(),
                record.purposeVersion(),
                record.status().name(),
                record.recordedAt().toString(),
                record.effectiveAt().toString(),
                DecisionsResponse.text(record.expiresAt()),
                record.conflict(),
                record.evidence().source().name(),
                record.evidence().collectionPoint(),
                record.evidence().actor().type().name(),
                record.evidence().actor().id().orElse(null),
                record.link().sequence());
    }
}
