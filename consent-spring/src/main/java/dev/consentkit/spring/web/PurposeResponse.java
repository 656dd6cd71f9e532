package dev.consentkit.spring.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.consentkit.core.Purpose;
import java.time.Period;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * One declared purpose, as {@code GET /purposes} answers it.
 *
 * @param id                   the dotted purpose id
 * @param version              its current version
 * @param title                the title in the request's locale
 * @param description          the description in the request's locale
 * @param basis                the legal basis, for example {@code CONSENT}
 * @param dataCategories       the categories of personal data processed
 * @param validity             how long a grant lasts (ISO-8601 period), absent if it does not lapse
 * @param reconsentFromVersion grants for versions below this one no longer count
 * @param saleOrShare          covered by a "do not sell or share" opt-out and Global Privacy Control
 * @param directMarketing      an objection to it is absolute
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PurposeResponse(
        String id,
        int version,
        String title,
        String description,
        String basis,
        List<String> dataCategories,
        @Nullable String validity,
        int reconsentFromVersion,
        boolean saleOrShare,
        boolean directMarketing) {

    /** {@code purpose} with its texts in {@code locale}. */
    public static PurposeResponse of(Purpose purpose, Locale locale) {
        return new PurposeResponse(
                purpose.id().value(),
                purpose.version(),
                purpose.title(locale),
                purpose.description(locale),
                purpose.basis().name(),
                purpose.dataCategories(),
                purpose.validity().map(Period::toString).orElse(null),
                purpose.reconsentFromVersion(),
                purpose.saleOrShare(),
                purpose.directMarketing());
    }
}
