package dev.consentkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.time.Clock;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class PurposeTest {

    @Nested
    class BuilderDefaults {

        @Test
        void buildWhenOnlyBasisIsGivenThenVersion1TitleIsIdAndNothingElseIsSet() {
            Purpose p =
                    Purpose.builder("marketing.email").basis(LegalBasis.CONSENT).build();

            assertThat(p.id()).isEqualTo(PurposeId.of("marketing.email"));
            assertThat(p.version()).isEqualTo(1);
            assertThat(p.title()).isEqualTo("marketing.email");
            assertThat(p.description()).isEmpty();
            assertThat(p.basis()).isEqualTo(LegalBasis.CONSENT);
            assertThat(p.validity()).isEmpty();
            assertThat(p.reconsentFromVersion()).isEqualTo(1);
            assertThat(p.saleOrShare()).isFalse();
            assertThat(p.directMarketing()).isFalse();
            assertThat(p.dataCategories()).isEmpty();
            assertThat(p.texts()).isEmpty();
        }

        @Test
        void buildWhenEverythingIsGivenThenEverythingIsKept() {
            Purpose p = Purpose.builder("ads.sale")
                    .version(3)
                    .basis(LegalBasis.LEGITIMATE_INTERESTS)
                    .title("Sale of data")
                    .description("We share with partners")
                    .validFor(Period.ofMonths(13))
                    .reconsentFromVersion(2)
                    .saleOrShare(true)
                    .directMarketing(true)
                    .dataCategories("email", "device-id")
                    .text(Locale.GERMAN, "Verkauf", "Wir teilen")
                    .build();

            assertThat(p.version()).isEqualTo(3);
            assertThat(p.title()).isEqualTo("Sale of data");
            assertThat(p.description()).isEqualTo("We share with partners");
            assertThat(p.validity()).contains(Period.ofMonths(13));
            assertThat(p.reconsentFromVersion()).isEqualTo(2);
            assertThat(p.saleOrShare()).isTrue();
            assertThat(p.directMarketing()).isTrue();
            assertThat(p.dataCategories()).containsExactly("email", "device-id");
            assertThat(p.title(Locale.GERMANY)).isEqualTo("Verkauf");
            assertThat(p.description(Locale.GERMAN)).isEqualTo("Wir teilen");
            assertThat(p.title(Locale.FRENCH)).isEqualTo("Sale of data");
        }

        @Test
        void buildWhenBasisIsMissingThenInvalidNamingBasis() {
            assertThatThrownBy(() -> Purpose.builder("marketing").build())
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .hasMessageContaining("basis");
        }

        @Test
        void builderWhenIdIsMalformedThenRejectedNamingPurpose() {
            assertThatThrownBy(() -> Purpose.builder("Marketing"))
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .satisfies(e -> assertThat(((InvalidConsentRequestException) e).fields())
                            .containsExactly("purpose"));
        }

        @Test
        void buildWhenTitleIsBlankThenInvalidNamingTitle() {
            assertThatThrownBy(() -> Purpose.builder("marketing")
                            .basis(LegalBasis.CONSENT)
                            .title(" ")
                            .build())
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .hasMessageContaining("title");
        }
    }

    @Nested
    class Recipients {

        @Test
        void buildWhenRecipientsAreGivenThenKeptInOrderAndTheyMakeThePurposeDisclose() {
            Purpose p = Purpose.builder("ads.sale")
                    .basis(LegalBasis.CONSENT)
                    .saleOrShare(true)
                    .recipients("Ad partner GmbH", "Measure Ltd")
                    .recipients("Third Co")
                    .build();

            assertThat(p.recipients()).containsExactly("Ad partner GmbH", "Measure Ltd", "Third Co");
            assertThat(p.discloses()).isTrue();
        }

        @Test
        void buildWhenNoRecipientsAreGivenThenEmptyAndOnlySaleOrShareDiscloses() {
            Purpose plain = Purpose.builder("a").basis(LegalBasis.CONSENT).build();
            Purpose sale = Purpose.builder("b")
                    .basis(LegalBasis.CONSENT)
                    .saleOrShare(true)
                    .build();
            Purpose shared = Purpose.builder("c")
                    .basis(LegalBasis.CONSENT)
                    .recipients("Processor AG")
                    .build();

            assertThat(plain.recipients()).isEmpty();
            assertThat(plain.discloses()).isFalse();
            assertThat(sale.discloses()).isTrue();
            assertThat(shared.discloses()).isTrue();
        }

        @ParameterizedTest
        @MethodSource("dev.consentkit.core.PurposeTest#badRecipients")
        void buildWhenARecipientIsBlankControlOverlongOrRepeatedThenInvalidNamingRecipients(String[] names) {
            assertThatThrownBy(() -> Purpose.builder("ads.sale")
                            .basis(LegalBasis.CONSENT)
                            .recipients(names)
                            .build())
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .hasMessageContaining("purpose.recipients");
        }

        @Test
        void builderWhenRecipientsAreNullThenInvalidNamingRecipients() {
            assertThatThrownBy(() -> Purpose.builder("a").recipients((String[]) null))
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .hasMessageContaining("purpose.recipients");
            assertThatThrownBy(() -> Purpose.builder("a").recipients("ok", null))
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .hasMessageContaining("purpose.recipients");
            Purpose p = Purpose.builder("a").basis(LegalBasis.CONSENT).build();
            assertThatThrownBy(() -> p.withRecipients(null))
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .hasMessageContaining("purpose.recipients");
            assertThatThrownBy(() -> p.withRecipients(java.util.Arrays.asList("ok", null)))
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .hasMessageContaining("purpose.recipients");
        }

        @Test
        void recipientsCannotBeChangedThroughTheGivenListOrTheAccessor() {
            List<String> given = new ArrayList<>(List.of("Ad partner GmbH"));
            Purpose p = Purpose.builder("a").basis(LegalBasis.CONSENT).build().withRecipients(given);
            given.add("Sneaky Ltd");

            assertThat(p.recipients()).containsExactly("Ad partner GmbH");
            assertThatThrownBy(() -> p.recipients().add("x")).isInstanceOf(UnsupportedOperationException.class);
        }

        @Test
        void withRecipientsKeepsEverythingElseAndTheOldConstructorDeclaresNone() {
            Purpose p = Purpose.builder("ads.sale")
                    .version(2)
                    .basis(LegalBasis.CONSENT)
                    .saleOrShare(true)
                    .dataCategories("email")
                    .build();
            Purpose named = p.withRecipients(List.of("Ad partner GmbH"));
            Purpose old = new Purpose(
                    p.id(),
                    2,
                    p.title(),
                    p.description(),
                    p.basis(),
                    p.dataCategories(),
                    p.validity(),
                    1,
                    true,
                    false,
                    p.texts());

            assertThat(named.recipients()).containsExactly("Ad partner GmbH");
            assertThat(named.withRecipients(List.of())).isEqualTo(p);
            assertThat(old).isEqualTo(p);
        }

        @Test
        void registryWhenOneVersionIsDeclaredTwiceWithDifferentRecipientsThenRejected() {
            Purpose a = Purpose.builder("ads.sale")
                    .basis(LegalBasis.CONSENT)
                    .recipients("Ad partner GmbH")
                    .build();
            Purpose b = Purpose.builder("ads.sale")
                    .basis(LegalBasis.CONSENT)
                    .recipients("Other partner SA")
                    .build();

            assertThatThrownBy(() -> PurposeRegistry.of(List.of(a, b)))
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .hasMessageContaining("ads.sale")
                    .hasMessageContaining("version 1");
            assertThat(PurposeRegistry.of(List.of(a, a.withRecipients(List.of("Ad partner GmbH"))))
                            .versions(a.id()))
                    .containsExactly(a);
        }
    }

    static Stream<Arguments> badRecipients() {
        return Stream.of(
                        new String[] {""},
                        new String[] {"  "},
                        new String[] {"Ad\npartner"},
                        new String[] {"Ad\u0000partner"},
                        new String[] {"Ad\u2028partner"},
                        new String[] {"Ad\uD800partner"},
                        new String[] {"x".repeat(Purpose.RECIPIENT_MAX_LENGTH + 1)},
                        new String[] {"Ad partner GmbH", "Ad partner GmbH"})
                .map(names -> Arguments.of((Object) names));
    }

    @Nested
    class Versions {

        @ParameterizedTest
        @ValueSource(ints = {0, -1})
        void buildWhenVersionIsNotPositiveThenInvalidNamingVersion(int version) {
            assertThatThrownBy(() -> Purpose.builder("marketing")
                            .basis(LegalBasis.CONSENT)
                            .version(version)
                            .build())
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .hasMessageContaining("version");
        }

        @Test
        void buildWhenReconsentFromVersionIsAboveVersionThenInvalid() {
            assertThatThrownBy(() -> Purpose.builder("marketing")
                            .basis(LegalBasis.CONSENT)
                            .version(2)
                            .reconsentFromVersion(3)
                            .build())
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .hasMessageContaining("reconsentFromVersion");
        }

        @Test
        void buildWhenReconsentFromVersionIsZeroThenInvalid() {
            assertThatThrownBy(() -> Purpose.builder("marketing")
                            .basis(LegalBasis.CONSENT)
                            .reconsentFromVersion(0)
                            .build())
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .hasMessageContaining("reconsentFromVersion");
        }

        @Test
        void buildWhenReconsentFromVersionEqualsVersionThenAccepted() {
            Purpose p = Purpose.builder("marketing")
                    .basis(LegalBasis.CONSENT)
                    .version(4)
                    .reconsentFromVersion(4)
                    .build();
            assertThat(p.reconsentFromVersion()).isEqualTo(4);
        }
    }

    @Nested
    class Validity {

        static Stream<Period> notPositive() {
            return Stream.of(
                    Period.ZERO, Period.ofDays(0), Period.ofMonths(-1), Period.ofDays(-1), Period.of(1, -13, 0));
        }

        @ParameterizedTest
        @MethodSource("notPositive")
        void buildWhenValidityIsZeroOrNegativeThenInvalidNamingValidity(Period validity) {
            assertThatThrownBy(() -> Purpose.builder("marketing")
                            .basis(LegalBasis.CONSENT)
                            .validFor(validity)
                            .build())
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .hasMessageContaining("validity");
        }

        @Test
        void buildWhenValidityIsPositiveThenKept() {
            Purpose p = Purpose.builder("marketing")
                    .basis(LegalBasis.CONSENT)
                    .validFor(Period.ofDays(1))
                    .build();
            assertThat(p.validity()).contains(Period.ofDays(1));
        }
    }

    @Nested
    class Registry {

        final Purpose v1 = Purpose.builder("marketing.email")
                .version(1)
                .basis(LegalBasis.CONSENT)
                .title("Newsletter")
                .build();
        final Purpose v2 = Purpose.builder("marketing.email")
                .version(2)
                .basis(LegalBasis.CONSENT)
                .title("Newsletter and offers")
                .build();
        final Purpose v3 = Purpose.builder("marketing.email")
                .version(3)
                .basis(LegalBasis.CONSENT)
                .title("Newsletter, offers and surveys")
                .reconsentFromVersion(3)
                .build();
        final Purpose analytics = Purpose.builder("analytics")
                .basis(LegalBasis.LEGITIMATE_INTERESTS)
                .build();

        @Test
        void ofWhenSeveralVersionsAreDeclaredInAnyOrderThenEveryVersionIsKeptAndTheHighestIsCurrent() {
            PurposeRegistry registry = PurposeRegistry.of(List.of(v2, analytics, v3, v1));
            PurposeId id = PurposeId.of("marketing.email");

            assertThat(registry.versions(id)).containsExactly(v1, v2, v3);
            assertThat(registry.current(id)).contains(v3);
            assertThat(registry.require(id)).isEqualTo(v3);
            assertThat(registry.version(id, 1)).contains(v1);
            assertThat(registry.version(id, 2)).contains(v2);
            assertThat(registry.version(id, 4)).isEmpty();
            assertThat(registry.currentPurposes()).containsExactly(analytics, v3);
            assertThat(registry.allVersions()).containsExactly(analytics, v1, v2, v3);
            assertThat(registry.contains(id)).isTrue();
        }

        @Test
        void ofWhenPurposeIsUndeclaredThenEmptyOrUnknown() {
            PurposeRegistry registry = PurposeRegistry.of(List.of(v1));
            PurposeId other = PurposeId.of("marketing");

            assertThat(registry.current(other)).isEmpty();
            assertThat(registry.versions(other)).isEmpty();
            assertThat(registry.contains(other)).isFalse();
            assertThatThrownBy(() -> registry.require(other)).isInstanceOf(UnknownPurposeException.class);
        }

        @Test
        void ofWhenSameIdAndVersionIsDeclaredTwiceWithDifferentContentThenRejected() {
            Purpose otherV1 = Purpose.builder("marketing.email")
                    .version(1)
                    .basis(LegalBasis.CONSENT)
                    .title("Something else")
                    .build();

            assertThatThrownBy(() -> PurposeRegistry.of(List.of(v1, otherV1)))
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .hasMessageContaining("marketing.email")
                    .hasMessageContaining("version 1");
        }

        @Test
        void ofWhenSameIdAndVersionIsDeclaredTwiceWithTheSameContentThenKeptOnce() {
            Purpose sameV1 = Purpose.builder("marketing.email")
                    .version(1)
                    .basis(LegalBasis.CONSENT)
                    .title("Newsletter")
                    .build();

            PurposeRegistry registry = PurposeRegistry.of(List.of(v1, sameV1));

            assertThat(registry.versions(PurposeId.of("marketing.email"))).containsExactly(v1);
        }

        @Test
        void managerBuildWhenSameIdAndVersionIsDeclaredTwiceWithDifferentContentThenInvalidNamingPurposes() {
            Purpose otherV1 = Purpose.builder("marketing.email")
                    .version(1)
                    .basis(LegalBasis.LEGITIMATE_INTERESTS)
                    .title("Newsletter")
                    .build();

            assertThatThrownBy(
                            () -> ConsentManager.builder().purposes(v1, otherV1).build())
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .hasMessageContaining("purposes")
                    .satisfies(e -> assertThat(((InvalidConsentRequestException) e).fields())
                            .containsExactly("purposes"));
        }

        @Test
        void managerWhenSeveralVersionsAreDeclaredThenAllAreKeptAndNewRecordsUseTheCurrentOne() {
            InMemoryConsentStore store = new InMemoryConsentStore();
            ConsentManager manager = ConsentManager.builder()
                    .purposes(v1, v3, v2)
                    .store(store)
                    .clock(Clock.fixed(Instant.parse("2025-06-01T10:00:00Z"), ZoneOffset.UTC))
                    .build();

            assertThat(manager.purposes().versions(PurposeId.of("marketing.email")))
                    .containsExactly(v1, v2, v3);
            assertThat(manager.record(ConsentCommand.grant("cust-1", "marketing.email")
                                    .build())
                            .purposeVersion())
                    .isEqualTo(3);
            // saved lazily, before the first write
            assertThat(store.savedPurposes("default")).contains(v1, v2, v3);
        }

        @Test
        void managerBuildWhenAStoreIsGivenThenNothingIsSavedUntilTheFirstWrite() {
            InMemoryConsentStore store = new InMemoryConsentStore();
            ConsentManager manager =
                    ConsentManager.builder().purposes(v1, v2).store(store).build();

            assertThat(store.savedPurposes("default")).isEmpty();
            manager.check("cust-1", "marketing.email");
            assertThat(store.savedPurposes("default")).isEmpty();

            manager.record(ConsentCommand.deny("cust-1", "marketing.email").build());
            manager.record(ConsentCommand.grant("cust-1", "marketing.email").build());
            assertThat(store.savedPurposes("default")).containsExactly(v1, v2);
        }

        @Test
        void whenTheStoreJoinsTheCallersTransactionThenPurposesAreSavedWithTheFirstWriteOnly() {
            InMemoryConsentStore joining = spy(new InMemoryConsentStore());
            when(joining.joinsCallerTransaction()).thenReturn(true);
            ConsentManager manager = ConsentManager.builder()
                    .purposes(v1, v2)
                    .store(joining)
                    .commitHook(action -> true)
                    .build();

            manager.record(ConsentCommand.grant("cust-1", "marketing.email").build());
            manager.record(ConsentCommand.grant("cust-2", "marketing.email").build());

            verify(joining, times(1)).savePurposes(eq("default"), any());
            assertThat(joining.savedPurposes("default")).containsExactly(v1, v2);
        }

        @Test
        void concurrentFirstWritesSavePurposesOnce() throws Exception {
            InMemoryConsentStore counting = spy(new InMemoryConsentStore());
            ConsentManager manager =
                    ConsentManager.builder().purposes(v1, v2).store(counting).build();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<ConsentRecord>> writes = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    String subject = "cust-" + i;
                    writes.add(pool.submit(() -> manager.record(
                            ConsentCommand.grant(subject, "marketing.email").build())));
                }
                for (Future<ConsentRecord> w : writes) {
                    w.get(30, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            verify(counting, times(1)).savePurposes(eq("default"), any());
        }

        @Test
        void savePurposesWhenCalledThenEveryVersionIsSavedAtOnceAndAgainWithoutDuplicates() {
            InMemoryConsentStore store = new InMemoryConsentStore();
            ConsentManager manager = ConsentManager.builder()
                    .purposes(v1, v3)
                    .store(store)
                    .tenant("brand-a")
                    .build();

            manager.savePurposes();
            manager.savePurposes();
            manager.record(ConsentCommand.grant("cust-1", "marketing.email").build());

            assertThat(store.savedPurposes("brand-a")).containsExactly(v1, v3);
            assertThat(store.savedPurposes("default")).isEmpty();
        }
    }
}
