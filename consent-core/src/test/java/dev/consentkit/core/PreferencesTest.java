package dev.consentkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PreferencesTest {

    static final Instant NOW = Instant.parse("2025-06-01T10:00:00Z");
    static final String SUBJECT = "cust-42";
    static final String FREQUENCY = "newsletter.frequency";

    InMemoryConsentStore store;
    ConsentManager manager;

    @BeforeEach
    void setUp() {
        store = new InMemoryConsentStore();
        manager = ConsentManager.builder()
                .purposes(Purpose.builder("marketing.email")
                        .basis(LegalBasis.CONSENT)
                        .build())
                .preferences(
                        PreferenceDefinition.of(FREQUENCY, "daily", "weekly", "monthly")
                                .withDefault("monthly"),
                        PreferenceDefinition.of("language", "de", "en", "fr"))
                .store(store)
                .clock(Clock.fixed(NOW, ZoneOffset.UTC))
                .build();
    }

    private static Evidence web() {
        return Evidence.of(Source.WEB, "preference-centre");
    }

    private InvalidConsentRequestException rejectedAndNothingWritten(ThrowingCallable call) {
        Throwable thrown = catchThrowable(call);
        assertThat(thrown).isInstanceOf(InvalidConsentRequestException.class);
        assertThat(store.size()).isZero();
        try (Stream<AuditEntry> trail = manager.auditTrail(HistoryQuery.all())) {
            assertThat(trail).isEmpty();
        }
        return (InvalidConsentRequestException) thrown;
    }

    @Nested
    class Reading {

        @Test
        void preferenceWhenNothingChosenThenTheDefault() {
            assertThat(manager.preference(SUBJECT, FREQUENCY)).contains("monthly");
        }

        @Test
        void preferenceWhenNothingChosenAndNoDefaultThenEmpty() {
            assertThat(manager.preference(SUBJECT, "language")).isEmpty();
        }

        @Test
        void preferenceWhenChosenThenTheChoice() {
            manager.setPreference(SUBJECT, FREQUENCY, "weekly", web());

            assertThat(manager.preference(SUBJECT, FREQUENCY)).contains("weekly");
            assertThat(manager.preference("cust-43", FREQUENCY)).contains("monthly");
        }

        @Test
        void preferenceWhenChangedTwiceThenTheLatestChoice() {
            manager.setPreference(SUBJECT, FREQUENCY, "weekly", web());
            manager.setPreference(SUBJECT, FREQUENCY, "daily", web());

            assertThat(manager.preference(SUBJECT, FREQUENCY)).contains("daily");
        }

        @Test
        void preferencesWhenNothingChosenThenOnlyDefaults() {
            assertThat(manager.preferences(SUBJECT)).containsExactly(Map.entry(FREQUENCY, "monthly"));
        }

        @Test
        void preferencesWhenChosenThenChoicesAndDefaultsByKey() {
            manager.setPreference(SUBJECT, "language", "de", web());

            assertThat(manager.preferences(SUBJECT))
                    .containsOnly(Map.entry(FREQUENCY, "monthly"), Map.entry("language", "de"));

            manager.setPreference(SUBJECT, FREQUENCY, "daily", web());

            assertThat(manager.preferences(SUBJECT))
                    .containsOnly(Map.entry(FREQUENCY, "daily"), Map.entry("language", "de"));
        }

        @Test
        void preferenceWhenKeyIsUnknownThenRejectedNamingKey() {
            assertThatThrownBy(() -> manager.preference(SUBJECT, "newsletter.colour"))
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .satisfies(e -> assertThat(((InvalidConsentRequestException) e).fields())
                            .containsExactly("key"));
        }

        @Test
        void preferenceWhenSubjectIsInvalidThenRejectedNamingSubject() {
            assertThatThrownBy(() -> manager.preference("cust\n42", FREQUENCY))
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .satisfies(e -> assertThat(((InvalidConsentRequestException) e).fields())
                            .containsExactly("subject"));
        }
    }

    @Nested
    class Writing {

        @Test
        void setPreferenceWhenValidThenReturnsTheStoredRecord() {
            PreferenceRecord r = manager.setPreference(SUBJECT, FREQUENCY, "weekly", web());

            assertThat(r.subject().value()).isEqualTo(SUBJECT);
            assertThat(r.key()).isEqualTo(FREQUENCY);
            assertThat(r.value()).isEqualTo("weekly");
            assertThat(r.recordedAt()).isEqualTo(NOW);
            assertThat(r.tenant()).isEqualTo("default");
            assertThat(r.link().sequence()).isEqualTo(1);
            assertThat(store.size()).isEqualTo(1);
        }

        @Test
        void setPreferenceWhenKeyIsUnknownThenRejectedNamingKeyAndNothingWritten() {
            InvalidConsentRequestException e =
                    rejectedAndNothingWritten(() -> manager.setPreference(SUBJECT, "newsletter.colour", "blue", web()));

            assertThat(e.fields()).containsExactly("key");
        }

        @Test
        void setPreferenceWhenKeyIsNullThenRejectedNamingKeyAndNothingWritten() {
            InvalidConsentRequestException e =
                    rejectedAndNothingWritten(() -> manager.setPreference(SUBJECT, null, "weekly", web()));

            assertThat(e.fields()).containsExactly("key");
        }

        @ParameterizedTest
        @ValueSource(strings = {"hourly", "Weekly", "weekly ", "", "weekly'; DROP TABLE preference;--"})
        void setPreferenceWhenValueIsNotAllowedThenRejectedNamingValueAndNothingWritten(String value) {
            InvalidConsentRequestException e =
                    rejectedAndNothingWritten(() -> manager.setPreference(SUBJECT, FREQUENCY, value, web()));

            assertThat(e.fields()).containsExactly("value");
        }

        @Test
        void setPreferenceWhenValueIsNullThenRejectedNamingValueAndNothingWritten() {
            InvalidConsentRequestException e =
                    rejectedAndNothingWritten(() -> manager.setPreference(SUBJECT, FREQUENCY, null, web()));

            assertThat(e.fields()).containsExactly("value");
        }

        @Test
        void setPreferenceWhenEvidenceIsBadThenRejectedNamingEvidenceFieldsAndNothingWritten() {
            Evidence bad = Evidence.builder()
                    .source(Source.WEB)
                    .collectionPoint("centre\nx")
                    .ipAddress("example.com")
                    .userAgent("u".repeat(1025))
                    .build();

            InvalidConsentRequestException e =
                    rejectedAndNothingWritten(() -> manager.setPreference(SUBJECT, FREQUENCY, "weekly", bad));

            assertThat(e.fields())
                    .containsExactlyInAnyOrder("evidence.collectionPoint", "evidence.ipAddress", "evidence.userAgent");
        }

        @Test
        void setPreferenceWhenEvidenceIsNullThenRejectedNamingEvidenceAndNothingWritten() {
            InvalidConsentRequestException e =
                    rejectedAndNothingWritten(() -> manager.setPreference(SUBJECT, FREQUENCY, "weekly", null));

            assertThat(e.fields()).containsExactly("evidence");
        }

        @Test
        void setPreferenceWhenSubjectIsBadThenRejectedNamingSubjectAndNothingWritten() {
            InvalidConsentRequestException e = rejectedAndNothingWritten(
                    () -> manager.setPreference("secret-cust\u0000", FREQUENCY, "weekly", web()));

            assertThat(e.fields()).containsExactly("subject");
            assertThat(e.getMessage()).doesNotContain("secret-cust");
        }

        @Test
        void setPreferenceWhenEverythingIsBadThenAllFieldsAreListedAtOnce() {
            InvalidConsentRequestException e = rejectedAndNothingWritten(
                    () -> manager.setPreference("", FREQUENCY, "hourly", Evidence.of(Source.WEB, " ")));

            assertThat(e.fields()).containsExactlyInAnyOrder("subject", "value", "evidence.collectionPoint");
        }
    }

    @Nested
    class Audit {

        @Test
        void setPreferenceWhenRecordedThenItIsInTheSubjectsAuditTrailAndTheChainVerifies() {
            ConsentRecord grant = manager.record(
                    ConsentCommand.grant(SUBJECT, "marketing.email").build());
            PreferenceRecord preference = manager.setPreference(SUBJECT, FREQUENCY, "weekly", web());
            ConsentRecord withdraw = manager.record(
                    ConsentCommand.withdraw(SUBJECT, "marketing.email").build());

            List<AuditEntry> trail;
            try (Stream<AuditEntry> entries = manager.auditTrail(HistoryQuery.forSubject(SUBJECT))) {
                trail = entries.toList();
            }

            assertThat(trail).extracting(AuditEntry::id).containsExactly(grant.id(), preference.id(), withdraw.id());
            assertThat(trail.get(1)).isInstanceOfSatisfying(PreferenceRecord.class, p -> {
                assertThat(p.key()).isEqualTo(FREQUENCY);
                assertThat(p.value()).isEqualTo("weekly");
                assertThat(p.evidence().collectionPoint()).isEqualTo("preference-centre");
            });
            assertThat(trail).extracting(e -> e.link().sequence()).containsExactly(1L, 2L, 3L);
            assertThat(manager.verify(SUBJECT).intact()).isTrue();
            assertThat(manager.verify().intact()).isTrue();
        }

        @Test
        void setPreferenceWhenRecordedThenItIsNotAConsentRecordInHistory() {
            manager.setPreference(SUBJECT, FREQUENCY, "weekly", web());

            try (Stream<ConsentRecord> history = manager.history(HistoryQuery.forSubject(SUBJECT))) {
                assertThat(history).isEmpty();
            }
            try (Stream<AuditEntry> trail = manager.auditTrail(HistoryQuery.forSubject("cust-43"))) {
                assertThat(trail).isEmpty();
            }
        }
    }

    @Nested
    class Definitions {

        @Test
        void withDefaultWhenValueIsNotAllowedThenRejected() {
            assertThatThrownBy(() -> PreferenceDefinition.of(FREQUENCY, "daily", "weekly")
                            .withDefault("yearly"))
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .hasMessageContaining("defaultValue");
        }

        @Test
        void ofWhenNoAllowedValuesThenRejected() {
            assertThatThrownBy(() -> PreferenceDefinition.of(FREQUENCY))
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .hasMessageContaining("allowedValues");
        }

        @Test
        void ofWhenKeyIsMalformedThenRejected() {
            assertThatThrownBy(() -> PreferenceDefinition.of("Newsletter Frequency", "daily"))
                    .isInstanceOf(InvalidConsentRequestException.class);
        }

        @Test
        void preferenceDefinitionsWhenBuiltThenDeclaredByKey() {
            assertThat(manager.preferenceDefinitions()).containsOnlyKeys(FREQUENCY, "language");
            assertThat(manager.preferenceDefinitions().get(FREQUENCY).allowedValues())
                    .containsExactly("daily", "weekly", "monthly");
            assertThat(manager.preferenceDefinitions().get(FREQUENCY).defaultValue())
                    .contains("monthly");
        }
    }
}
