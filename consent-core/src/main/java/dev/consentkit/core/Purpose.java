package dev.consentkit.core;

import dev.consentkit.core.internal.Checks;
import dev.consentkit.core.internal.TextValidators;
import java.time.Period;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One version of a purpose: why data is processed, on which legal basis, and what the subject is told.
 * Every version is kept by the {@link PurposeRegistry}, so an auditor can see the text a subject agreed to.
 *
 * @param id                   the dotted purpose id
 * @param version              1 or more; a new version is declared when the text or scope changes
 * @param title                the default-locale title
 * @param description          the default-locale description
 * @param basis                the GDPR Art. 6 legal basis
 * @param dataCategories       the categories of personal data processed, for example {@code email}
 * @param validity             how long a grant lasts before it lapses and must be asked again
 * @param reconsentFromVersion grants for versions below this one no longer count (a material change)
 * @param saleOrShare          covered by a "do not sell or share" opt-out and by Global Privacy Control
 * @param directMarketing      an objection (opt-out) to it is absolute (GDPR Art. 21(3))
 * @param texts                titles and descriptions per locale
 * @param recipients           the third parties the data is disclosed to for this purpose, by name (for example
 *                             {@code Ad partner GmbH}), in declaration order; empty when nothing is disclosed.
 *                             Consent receipts name them as the third parties (Kantara v1.1 {@code thirdPartyName});
 *                             a {@code saleOrShare} purpose needs at least one before a receipt can be written for it.
 *                             Recipients live in the declaration only: the JDBC store's purpose table has no
 *                             column for them, so {@code JdbcConsentStore.savedPurposes} returns saved versions
 *                             without recipients (declare them in code, or, in the CLI, with
 *                             {@code receipts --recipient})
 */
public record Purpose(
        PurposeId id,
        int version,
        String title,
        String description,
        LegalBasis basis,
        List<String> dataCategories,
        Optional<Period> validity,
        int reconsentFromVersion,
        boolean saleOrShare,
        boolean directMarketing,
        Map<Locale, Text> texts,
        List<String> recipients) {

    /** The longest recipient name accepted. */
    public static final int RECIPIENT_MAX_LENGTH = 255;

    /**
     * Checks every component, naming the first invalid one ({@code purpose.title}, {@code purpose.recipients},
     * ...).
     *
     * @throws InvalidConsentRequestException naming the invalid component
     */
    public Purpose {
        Checks.notNull(id, "purpose.id");
        Checks.notBlank(title, "purpose.title");
        Checks.notNull(description, "purpose.description");
        Checks.notNull(basis, "purpose.basis");
        dataCategories = categories(dataCategories);
        Checks.notNull(validity, "purpose.validity");
        texts = Map.copyOf(Checks.notNull(texts, "purpose.texts"));
        recipients = recipients(recipients);
        Checks.check(version >= 1, "purpose.version", "must be at least 1");
        Checks.check(
                reconsentFromVersion >= 1 && reconsentFromVersion <= version,
                "purpose.reconsentFromVersion",
                "must be between 1 and version (" + version + ")");
        validity.ifPresent(p -> Checks.check(!p.isNegative() && !p.isZero(), "purpose.validity", "must be positive"));
    }

    /**
     * A purpose without recipients: the component list before {@link #recipients()} was added.
     *
     * @throws InvalidConsentRequestException naming the invalid component
     */
    public Purpose(
            PurposeId id,
            int version,
            String title,
            String description,
            LegalBasis basis,
            List<String> dataCategories,
            Optional<Period> validity,
            int reconsentFromVersion,
            boolean saleOrShare,
            boolean directMarketing,
            Map<Locale, Text> texts) {
        this(
                id,
                version,
                title,
                description,
                basis,
                dataCategories,
                validity,
                reconsentFromVersion,
                saleOrShare,
                directMarketing,
                texts,
                List.of());
    }

    // A recipient is a name shown to subjects and auditors: one line of well-formed text, not blank, at most
    // RECIPIENT_MAX_LENGTH characters, no control characters; the same name twice is refused as a mistake.
    private static List<String> recipients(List<String> given) {
        Checks.notNull(given, "purpose.recipients");
        for (int i = 0; i < given.size(); i++) {
            String name = given.get(i);
            Checks.check(name != null, "purpose.recipients", "must not hold null values");
            Checks.check(!name.isBlank(), "purpose.recipients", "must not hold blank values");
            Checks.check(
                    name.length() <= RECIPIENT_MAX_LENGTH,
                    "purpose.recipients",
                    "must hold names of at most " + RECIPIENT_MAX_LENGTH + " characters");
            Checks.check(
                    !TextValidators.hasControlCharacter(name, false) && !TextValidators.hasUnpairedSurrogate(name),
                    "purpose.recipients",
                    "must hold well-formed text without control characters");
            Checks.check(given.indexOf(name) == i, "purpose.recipients", "must not name a recipient twice");
        }
        return List.copyOf(given);
    }

    /**
     * True if data is disclosed to third parties for this purpose: it is {@link #saleOrShare()} or declares
     * {@link #recipients()}.
     */
    public boolean discloses() {
        return saleOrShare || !recipients.isEmpty();
    }

    /**
     * A copy of this version with {@code recipients} instead of its own, for example to add the recipients a
     * store did not keep (see {@link #recipients()}).
     *
     * @throws InvalidConsentRequestException naming {@code purpose.recipients} for an invalid list
     */
    public Purpose withRecipients(List<String> recipients) {
        return new Purpose(
                id,
                version,
                title,
                description,
                basis,
                dataCategories,
                validity,
                reconsentFromVersion,
                saleOrShare,
                directMarketing,
                texts,
                recipients);
    }

    private static List<String> categories(List<String> given) {
        Checks.notNull(given, "purpose.dataCategories");
        for (String category : given) {
            Checks.check(
                    category != null && !category.isBlank(), "purpose.dataCategories", "must not hold blank values");
        }
        return List.copyOf(given);
    }

    /** A builder for purpose {@code id}; {@code basis} is required, version defaults to 1. */
    public static Builder builder(String id) {
        return new Builder(PurposeId.of(id));
    }

    /** A builder for purpose {@code id}. */
    public static Builder builder(PurposeId id) {
        return new Builder(Checks.notNull(id, "purpose.id"));
    }

    /** The title in {@code locale}, falling back to its language, then to the default title. */
    public String title(Locale locale) {
        return text(locale).map(Text::title).orElse(title);
    }

    /** The description in {@code locale}, falling back to its language, then to the default description. */
    public String description(Locale locale) {
        return text(locale).map(Text::description).orElse(description);
    }

    private Optional<Text> text(Locale locale) {
        Text exact = texts.get(locale);
        if (exact != null) {
            return Optional.of(exact);
        }
        return Optional.ofNullable(texts.get(Locale.forLanguageTag(locale.getLanguage())));
    }

    /**
     * A title and description in one locale.
     *
     * @param title       the title
     * @param description the description
     */
    public record Text(String title, String description) {
        public Text {
            Checks.notNull(title, "purpose.text.title");
            Checks.notNull(description, "purpose.text.description");
        }
    }

    /** Builds a {@link Purpose}; {@link #build()} names the property that is missing or wrong. */
    public static final class Builder {
        private final PurposeId id;
        private int version = 1;
        private @Nullable String title;
        private String description = "";
        private @Nullable LegalBasis basis;
        private final List<String> dataCategories = new ArrayList<>();
        private @Nullable Period validity;
        private @Nullable Integer reconsentFromVersion;
        private boolean saleOrShare;
        private boolean directMarketing;
        private final Map<Locale, Text> texts = new LinkedHashMap<>();
        private final List<String> recipients = new ArrayList<>();

        private Builder(PurposeId id) {
            this.id = id;
        }

        public Builder version(int version) {
            this.version = version;
            return this;
        }

        public Builder title(String title) {
            this.title = Checks.notNull(title, "purpose.title");
            return this;
        }

        public Builder description(String description) {
            this.description = Checks.notNull(description, "purpose.description");
            return this;
        }

        public Builder basis(LegalBasis basis) {
            this.basis = Checks.notNull(basis, "purpose.basis");
            return this;
        }

        public Builder dataCategories(String... categories) {
            for (String category : Checks.notNull(categories, "purpose.dataCategories")) {
                this.dataCategories.add(Checks.notNull(category, "purpose.dataCategories"));
            }
            return this;
        }

        public Builder validFor(@Nullable Period validity) {
            this.validity = validity;
            return this;
        }

        public Builder reconsentFromVersion(int reconsentFromVersion) {
            this.reconsentFromVersion = reconsentFromVersion;
            return this;
        }

        public Builder saleOrShare(boolean saleOrShare) {
            this.saleOrShare = saleOrShare;
            return this;
        }

        public Builder directMarketing(boolean directMarketing) {
            this.directMarketing = directMarketing;
            return this;
        }

        /**
         * Adds third parties the data is disclosed to for this purpose, by name (see {@link Purpose#recipients()}).
         * Names are checked by {@link #build()}.
         */
        public Builder recipients(String... names) {
            for (String name : Checks.notNull(names, "purpose.recipients")) {
                this.recipients.add(Checks.notNull(name, "purpose.recipients"));
            }
            return this;
        }

        /** Adds a title and description shown to subjects in {@code locale}. */
        public Builder text(Locale locale, String title, String description) {
            this.texts.put(Checks.notNull(locale, "purpose.text.locale"), new Text(title, description));
            return this;
        }

        /**
         * Builds the purpose. The title defaults to the id; the basis is required.
         *
         * @throws InvalidConsentRequestException naming the missing or invalid property, for example
         *                                        {@code purpose.basis}
         */
        public Purpose build() {
            return new Purpose(
                    id,
                    version,
                    title == null ? id.value() : title,
                    description,
                    Checks.notNull(basis, "purpose.basis"),
                    dataCategories,
                    Optional.ofNullable(validity),
                    reconsentFromVersion == null ? 1 : reconsentFromVersion,
                    saleOrShare,
                    directMarketing,
                    texts,
                    recipients);
        }
    }
}
