package dev.consentkit.core;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.consentkit.core.TestFixtures.CLOCK;
import static dev.consentkit.core.TestFixtures.NOW;
import static dev.consentkit.core.TestFixtures.NOW_MICROS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whatever valid command is recorded comes back from the store exactly: the returned record, the history
 * and the command agree field by field (with evidence kept as given by a KEEP/KEEP policy).
 */
class StoreRoundTripProperties {

    private static final Purpose EMAIL_V1 = Purpose.builder("marketing.email").version(1).basis(LegalBasis.CONSENT)
            .validFor(Period.ofMonths(12)).build();
    private static final Purpose EMAIL_V2 = Purpose.builder("marketing.email").version(2).basis(LegalBasis.CONSENT)
            .validFor(Period.ofMonths(13)).build();
    private static final Purpose ANALYTICS = Purpose.builder("analytics").basis(LegalBasis.CONSENT).build();
    private static final Purpose PROFILING = Purpose.builder("ads.profiling").basis(LegalBasis.LEGITIMATE_INTERESTS)
            .build();
    private static final EvidencePolicy KEEP = EvidencePolicy.builder().ipAddress(EvidencePolicy.Minimisation.KEEP)
            .userAgent(EvidencePolicy.Minimisation.KEEP).build();
    private static final String SQL_META = "'\";%_\\-/*";

    private static ConsentManager newManager() {
        return ConsentManager.builder().purposes(EMAIL_V1, EMAIL_V2, ANALYTICS, PROFILING).clock(CLOCK)
                .evidencePolicy(KEEP).store(new InMemoryConsentStore()).build();
    }

    @Property(tries = 200)
    void aRecordedCommandRoundTripsExactly(@ForAll("commands") ConsentCommand command) {
        collectStatistics(command);
        ConsentManager manager = newManager();

        ConsentRecord recorded = manager.record(command);

        assertThat(TestFixtures.history(manager, command.subject())).containsExactly(recorded);
        assertThat(TestFixtures.auditTrail(manager, HistoryQuery.all())).containsExactly(recorded);
        assertThat(manager.store().findRecord(manager.tenant(), recorded.id())).contains(recorded);
        assertMatchesCommand(recorded, command);
        assertThat(manager.verify(command.subject()).intact()).isTrue();
        if (command.idempotencyKey().isPresent()) {
            assertThat(manager.record(command)).isEqualTo(recorded);
            assertThat(TestFixtures.history(manager, command.subject())).containsExactly(recorded);
        }
    }

    @Property(tries = 50)
    void aBatchRoundTripsInOrderPerSubject(@ForAll("batches") List<ConsentCommand> commands) {
        ConsentManager manager = newManager();

        List<ConsentRecord> recorded = manager.recordAll(commands);

        assertThat(recorded).hasSameSizeAs(commands);
        for (int i = 0; i < commands.size(); i++) {
            assertMatchesCommand(recorded.get(i), commands.get(i));
        }
        for (String subject : commands.stream().map(ConsentCommand::subject).collect(Collectors.toSet())) {
            List<ConsentRecord> expected = recorded.stream().filter(r -> r.subject().value().equals(subject)).toList();
            assertThat(TestFixtures.history(manager, subject)).containsExactlyElementsOf(expected);
        }
        assertThat(TestFixtures.auditTrail(manager, HistoryQuery.all())).containsExactlyInAnyOrderElementsOf(recorded);
        assertThat(manager.verify().intact()).isTrue();
    }

    private static void assertMatchesCommand(ConsentRecord recorded, ConsentCommand command) {
        Instant effectiveAt = command.effectiveAt().map(t -> t.truncatedTo(ChronoUnit.MICROS)).orElse(NOW_MICROS);
        Purpose shown = expectedVersion(command);
        assertThat(recorded.tenant()).isEqualTo("default");
        assertThat(recorded.subject().value()).isEqualTo(command.subject());
        assertThat(recorded.purpose().value()).isEqualTo(command.purpose());
        assertThat(recorded.purposeVersion()).isEqualTo(shown.version());
        assertThat(recorded.status()).isEqualTo(command.pendingConfirmation() ? ConsentStatus.PENDING : command.status());
        assertThat(recorded.recordedAt()).isEqualTo(NOW_MICROS);
        assertThat(recorded.effectiveAt()).isEqualTo(effectiveAt);
        boolean grant = command.status() == ConsentStatus.GRANTED;
        assertThat(recorded.expiresAt()).isEqualTo(grant
                ? shown.validity().map(v -> effectiveAt.atZone(ZoneOffset.UTC).plus(v).toInstant())
                : Optional.empty());
        assertThat(recorded.idempotencyKey()).isEqualTo(command.idempotencyKey());
        assertThat(recorded.evidence()).isEqualTo(command.evidence());
        assertThat(recorded.conflict()).isFalse();
        assertThat(recorded.link().isSealed()).isTrue();
    }

    private static Purpose expectedVersion(ConsentCommand command) {
        if (command.purpose().equals("marketing.email")) {
            return command.purposeVersion().orElse(2) == 1 ? EMAIL_V1 : EMAIL_V2;
        }
        return command.purpose().equals("analytics") ? ANALYTICS : PROFILING;
    }

    private static void collectStatistics(ConsentCommand c) {
        Statistics.label("subject has non-ASCII").collect(c.subject().chars().anyMatch(ch -> ch > 127));
        Statistics.label("subject has SQL metacharacter")
                .collect(c.subject().chars().anyMatch(ch -> SQL_META.indexOf(ch) >= 0));
        Statistics.label("effectiveAt given").collect(c.effectiveAt().isPresent());
        Statistics.label("idempotency key").collect(c.idempotencyKey().isPresent());
        Statistics.label("stored status").collect(c.storedStatus());
        Statistics.label("evidence has IP").collect(c.evidence().ipAddress().isPresent());
    }

    // ------------------------------------------------------------------ generators

    @Provide
    Arbitrary<List<ConsentCommand>> batches() {
        Arbitrary<String> subjects = text(40, false);
        return subjects.list().ofMinSize(1).ofMaxSize(3).uniqueElements().flatMap(pool ->
                commandsFor(Arbitraries.of(pool)).list().ofMinSize(1).ofMaxSize(6)
                        .filter(StoreRoundTripProperties::distinctIdempotencyKeys));
    }

    private static boolean distinctIdempotencyKeys(List<ConsentCommand> commands) {
        Set<String> seen = new HashSet<>();
        return commands.stream().flatMap(c -> c.idempotencyKey().stream()).allMatch(seen::add);
    }

    @Provide
    Arbitrary<ConsentCommand> commands() {
        return commandsFor(text(255, false));
    }

    private static Arbitrary<ConsentCommand> commandsFor(Arbitrary<String> subjects) {
        Arbitrary<String> purposes = Arbitraries.of("marketing.email", "analytics", "ads.profiling");
        Arbitrary<String> kinds = Arbitraries.of("grant", "pending", "deny", "withdraw", "optOut");
        Arbitrary<Optional<Integer>> versions = Arbitraries.of(Optional.empty(), Optional.of(1), Optional.of(2));
        return Combinators.combine(subjects, purposes, kinds, evidence(), effectiveAts().optional(0.6),
                        versions, text(255, false).optional(0.5))
                .as((subject, purpose, kind, evidence, effectiveAt, version, key) -> {
                    ConsentCommand.Builder b = switch (kind) {
                        case "grant", "pending" -> ConsentCommand.grant(subject, purpose);
                        case "deny" -> ConsentCommand.deny(subject, purpose);
                        case "withdraw" -> ConsentCommand.withdraw(subject, purpose);
                        default -> ConsentCommand.optOut(subject, purpose);
                    };
                    b.pendingConfirmation(kind.equals("pending")).evidence(evidence)
                            .effectiveAt(effectiveAt.orElse(null)).idempotencyKey(key.orElse(null));
                    boolean versioned = purpose.equals("marketing.email") || version.orElse(0) == 1;
                    if (version.isPresent() && versioned) {
                        b.purposeVersion(version.get());
                    }
                    return b.build();
                });
    }

    /** Instants from 1970 up to the clock's (nanosecond) present, with any nanoseconds. */
    private static Arbitrary<Instant> effectiveAts() {
        Arbitrary<Instant> any = Combinators.combine(
                        Arbitraries.longs().between(0, NOW.getEpochSecond() - 1),
                        Arbitraries.integers().between(0, 999_999_999))
                .as(Instant::ofEpochSecond);
        return Arbitraries.frequencyOf(
                Tuple.of(8, any),
                Tuple.of(1, Arbitraries.of(Instant.EPOCH, NOW, NOW_MICROS, NOW.minusNanos(1))));
    }

    private static Arbitrary<Evidence> evidence() {
        Arbitrary<Actor> actors = Arbitraries.oneOf(Arbitraries.just(Actor.subject()),
                text(255, false).map(Actor::agent), text(255, false).map(Actor::system));
        Arbitrary<Locale> locales = Arbitraries.of(Locale.GERMANY, Locale.ENGLISH, Locale.JAPAN,
                Locale.forLanguageTag("pt-BR"), Locale.forLanguageTag("sr-Latn-RS"));
        Arbitrary<String> sha = Arbitraries.strings().withChars("0123456789abcdef").ofLength(64);
        Arbitrary<Evidence.Builder> head = Combinators.combine(Arbitraries.of(Source.class), text(255, false),
                        text(64, false).optional(), sha.optional(), locales.optional(), actors)
                .as((source, point, notice, noticeSha, locale, actor) -> Evidence.builder().source(source)
                        .collectionPoint(point).noticeVersion(notice.orElse(null))
                        .noticeTextSha256(noticeSha.orElse(null)).locale(locale.orElse(null)).actor(actor));
        return Combinators.combine(head, ipAddresses().optional(), text(1024, false).optional(),
                        text(2000, true).optional(), text(255, false).optional())
                .as((b, ip, ua, comment, proof) -> b.ipAddress(ip.orElse(null)).userAgent(ua.orElse(null))
                        .comment(comment.orElse(null)).proofReference(proof.orElse(null)).build());
    }

    private static Arbitrary<String> ipAddresses() {
        Arbitrary<String> v4 = Arbitraries.integers().between(0, 255).list().ofSize(4)
                .map(parts -> parts.stream().map(String::valueOf).collect(Collectors.joining(".")));
        Arbitrary<String> v6 = Arbitraries.integers().between(0, 0xffff).list().ofSize(8)
                .map(parts -> parts.stream().map(Integer::toHexString).collect(Collectors.joining(":")));
        return Arbitraries.oneOf(v4, v6, Arbitraries.of("::1", "2001:db8::42", "::ffff:192.0.2.1", "fe80::1"));
    }

    /**
     * Non-blank text of 1..max UTF-16 chars without control characters (tabs and line breaks when
     * multiline): ASCII with SQL metacharacters, Latin, Greek, CJK, emoji (surrogate pairs), combining marks.
     */
    static Arbitrary<String> text(int max, boolean multiline) {
        List<Tuple.Tuple2<Integer, Arbitrary<? extends String>>> tokens = new ArrayList<>(List.of(
                Tuple.of(6, Arbitraries.chars().range(' ', '~').map(String::valueOf)),
                Tuple.of(2, Arbitraries.chars().range('\u00a0', '\u024f').map(String::valueOf)),
                Tuple.of(1, Arbitraries.chars().range('\u0391', '\u03c9').map(String::valueOf)),
                Tuple.of(1, Arbitraries.chars().range('\u4e00', '\u9fff').map(String::valueOf)),
                Tuple.of(2, Arbitraries.of("'", "\"", ";", "--", "/*", "*/", "%", "_", "\\", "' OR '1'='1",
                        "'; DROP TABLE consent_record; --", "\\x00", "😀", "𝔘", "e\u0301", "\u200b", "Ω"))));
        if (multiline) {
            tokens.add(Tuple.of(1, Arbitraries.of("\n", "\r\n", "\t")));
        }
        @SuppressWarnings({"unchecked", "rawtypes"})
        Arbitrary<String> token = Arbitraries.frequencyOf(tokens.toArray(new Tuple.Tuple2[0]));
        Arbitrary<String> joined = token.list().ofMinSize(1).ofMaxSize(Math.min(max, 40))
                .map(parts -> cut(String.join("", parts), max));
        Arbitrary<String> longest = Arbitraries.strings().withCharRange('a', 'z').withChars(SQL_META + "äß€")
                .ofLength(max);
        return Arbitraries.frequencyOf(Tuple.of(12, joined), Tuple.of(1, longest)).filter(s -> !s.isBlank());
    }

    /** At most {@code max} chars, never splitting a surrogate pair. */
    private static String cut(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
        return s.substring(0, end);
    }
}
