package dev.consentkit.core;

import static dev.consentkit.core.TestFixtures.CLOCK;
import static dev.consentkit.core.TestFixtures.NOW;
import static dev.consentkit.core.TestFixtures.NOW_MICROS;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whatever valid command is recorded comes back from the store exactly: the returned record, the history
 * and the command agree field by field (with evidence kept as given by a KEEP/KEEP policy).
 *
 * <p>Property tests on seeded random cases: each case is one seed, shown in its name and in the message of a
 * failure. A run draws new seeds from a random base seed, printed once; {@code -Dconsentkit.seed=<base>}
 * repeats a whole run and {@code -Dconsentkit.case=<seed>} runs only the one case.
 */
class StoreRoundTripPropertyTest {

    private static final Purpose EMAIL_V1 = Purpose.builder("marketing.email")
            .version(1)
            .basis(LegalBasis.CONSENT)
            .validFor(Period.ofMonths(12))
            .build();
    private static final Purpose EMAIL_V2 = Purpose.builder("marketing.email")
            .version(2)
            .basis(LegalBasis.CONSENT)
            .validFor(Period.ofMonths(13))
            .build();
    private static final Purpose ANALYTICS =
            Purpose.builder("analytics").basis(LegalBasis.CONSENT).build();
    private static final Purpose PROFILING = Purpose.builder("ads.profiling")
            .basis(LegalBasis.LEGITIMATE_INTERESTS)
            .build();
    private static final EvidencePolicy KEEP = EvidencePolicy.builder()
            .ipAddress(EvidencePolicy.Minimisation.KEEP)
            .userAgent(EvidencePolicy.Minimisation.KEEP)
            .build();
    private static final String SQL_META = "'\";%_\\-/*";

    private static final long BASE_SEED = Long.getLong("consentkit.seed", new Random().nextLong());
    private static final AtomicBoolean SEED_PRINTED = new AtomicBoolean();
    private static final Map<String, AtomicInteger> STATISTICS = new ConcurrentHashMap<>();

    static Stream<Long> commandSeeds() {
        return seeds(200, 1);
    }

    static Stream<Long> batchSeeds() {
        return seeds(50, 2);
    }

    private static Stream<Long> seeds(int tries, long stream) {
        Long single = Long.getLong("consentkit.case");
        if (single != null) {
            return Stream.of(single);
        }
        if (SEED_PRINTED.compareAndSet(false, true)) {
            System.out.println("[consentkit] " + StoreRoundTripPropertyTest.class.getSimpleName() + " base seed "
                    + BASE_SEED + " (repeat with -Dconsentkit.seed=" + BASE_SEED + ")");
        }
        Random random = new Random(BASE_SEED * 31 + stream);
        return LongStream.generate(random::nextLong).limit(tries).boxed();
    }

    @AfterAll
    static void printStatistics() {
        if (!STATISTICS.isEmpty()) {
            System.out.println("[consentkit] generated commands: " + new TreeMap<>(STATISTICS));
        }
    }

    private static ConsentManager newManager() {
        return ConsentManager.builder()
                .purposes(EMAIL_V1, EMAIL_V2, ANALYTICS, PROFILING)
                .clock(CLOCK)
                .evidencePolicy(KEEP)
                .store(new InMemoryConsentStore())
                .build();
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("commandSeeds")
    void aRecordedCommandRoundTripsExactly(long seed) {
        ConsentCommand command = new Gen(seed).command();
        collectStatistics(command);
        withSeed(seed, () -> {
            ConsentManager manager = newManager();

            ConsentRecord recorded = manager.record(command);

            assertThat(TestFixtures.history(manager, command.subject())).containsExactly(recorded);
            assertThat(TestFixtures.auditTrail(manager, HistoryQuery.all())).containsExactly(recorded);
            assertThat(manager.store().findRecord(manager.tenant(), recorded.id()))
                    .contains(recorded);
            assertMatchesCommand(recorded, command);
            assertThat(manager.verify(command.subject()).intact()).isTrue();
            if (command.idempotencyKey().isPresent()) {
                assertThat(manager.record(command)).isEqualTo(recorded);
                assertThat(TestFixtures.history(manager, command.subject())).containsExactly(recorded);
            }
        });
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("batchSeeds")
    void aBatchRoundTripsInOrderPerSubject(long seed) {
        List<ConsentCommand> commands = new Gen(seed).batch();
        withSeed(seed, () -> {
            ConsentManager manager = newManager();

            List<ConsentRecord> recorded = manager.recordAll(commands);

            assertThat(recorded).hasSameSizeAs(commands);
            // time never runs backwards along a chain: on the new store, a record that is its subject's k-th entry
            // is recorded k - 1 µs after the clock's instant
            for (int i = 0; i < commands.size(); i++) {
                ConsentRecord r = recorded.get(i);
                assertMatchesCommand(
                        r, commands.get(i), NOW_MICROS.plus(r.link().sequence() - 1, ChronoUnit.MICROS));
            }
            for (String subject : commands.stream().map(ConsentCommand::subject).collect(Collectors.toSet())) {
                List<ConsentRecord> expected = recorded.stream()
                        .filter(r -> r.subject().value().equals(subject))
                        .toList();
                assertThat(TestFixtures.history(manager, subject)).containsExactlyElementsOf(expected);
            }
            assertThat(TestFixtures.auditTrail(manager, HistoryQuery.all()))
                    .containsExactlyInAnyOrderElementsOf(recorded);
            assertThat(manager.verify().intact()).isTrue();
        });
    }

    /** Runs {@code check}; a failure names the seed that reproduces it. */
    private static void withSeed(long seed, Runnable check) {
        try {
            check.run();
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(
                    "failed for seed " + seed + " (run only this case with -Dconsentkit.case=" + seed + "): "
                            + e.getMessage(),
                    e);
        }
    }

    private static void assertMatchesCommand(ConsentRecord recorded, ConsentCommand command) {
        assertMatchesCommand(recorded, command, NOW_MICROS);
    }

    private static void assertMatchesCommand(ConsentRecord recorded, ConsentCommand command, Instant recordedAt) {
        Instant effectiveAt =
                command.effectiveAt().map(t -> t.truncatedTo(ChronoUnit.MICROS)).orElse(recordedAt);
        Purpose shown = expectedVersion(command);
        assertThat(recorded.tenant()).isEqualTo("default");
        assertThat(recorded.subject().value()).isEqualTo(command.subject());
        assertThat(recorded.purpose().value()).isEqualTo(command.purpose());
        assertThat(recorded.purposeVersion()).isEqualTo(shown.version());
        assertThat(recorded.status())
                .isEqualTo(command.pendingConfirmation() ? ConsentStatus.PENDING : command.status());
        assertThat(recorded.recordedAt()).isEqualTo(recordedAt);
        assertThat(recorded.effectiveAt()).isEqualTo(effectiveAt);
        boolean grant = command.status() == ConsentStatus.GRANTED;
        assertThat(recorded.expiresAt())
                .isEqualTo(
                        grant
                                ? shown.validity()
                                        .map(v -> effectiveAt
                                                .atZone(ZoneOffset.UTC)
                                                .plus(v)
                                                .toInstant())
                                : Optional.empty());
        if (command.idempotencyKey().isPresent()) {
            assertThat(recorded.idempotencyKey()).isEqualTo(command.idempotencyKey());
        } else {
            assertThat(recorded.idempotencyKey())
                    .hasValueSatisfying(k -> assertThat(k).startsWith("ck:"));
        }
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
        count("subject has non-ASCII", c.subject().chars().anyMatch(ch -> ch > 127));
        count("subject has SQL metacharacter", c.subject().chars().anyMatch(ch -> SQL_META.indexOf(ch) >= 0));
        count("effectiveAt given", c.effectiveAt().isPresent());
        count("idempotency key", c.idempotencyKey().isPresent());
        count("stored status " + c.storedStatus(), true);
        count("evidence has IP", c.evidence().ipAddress().isPresent());
    }

    private static void count(String label, boolean value) {
        if (value) {
            STATISTICS.computeIfAbsent(label, k -> new AtomicInteger()).incrementAndGet();
        }
    }

    // ------------------------------------------------------------------ generators

    /** The generators, all drawn from one seeded {@link Random}: the same seed gives the same case. */
    private static final class Gen {

        private static final List<String> SPECIALS = List.of(
                "'",
                "\"",
                ";",
                "--",
                "/*",
                "*/",
                "%",
                "_",
                "\\",
                "' OR '1'='1",
                "'; DROP TABLE consent_record; --",
                "\\x00",
                "\uD83D\uDE00",
                "\uD835\uDD18",
                "e\u0301",
                "\u200b",
                "\u03a9");
        private static final List<Locale> LOCALES = List.of(
                Locale.GERMANY,
                Locale.ENGLISH,
                Locale.JAPAN,
                Locale.forLanguageTag("pt-BR"),
                Locale.forLanguageTag("sr-Latn-RS"));
        private static final List<Instant> EDGE_INSTANTS = List.of(Instant.EPOCH, NOW, NOW_MICROS, NOW.minusNanos(1));
        private static final List<String> EDGE_IPS = List.of("::1", "2001:db8::42", "::ffff:192.0.2.1", "fe80::1");

        private final Random random;

        Gen(long seed) {
            this.random = new Random(seed);
        }

        /** 1..3 distinct subjects and 1..6 commands on them, with distinct idempotency keys. */
        List<ConsentCommand> batch() {
            int poolSize = 1 + random.nextInt(3);
            Set<String> pool = new HashSet<>();
            while (pool.size() < poolSize) {
                pool.add(text(40, false));
            }
            List<String> subjects = List.copyOf(pool);
            while (true) {
                int size = 1 + random.nextInt(6);
                List<ConsentCommand> commands = IntStream.range(0, size)
                        .mapToObj(i -> commandFor(() -> oneOf(subjects)))
                        .toList();
                if (distinctIdempotencyKeys(commands)) {
                    return commands;
                }
            }
        }

        private static boolean distinctIdempotencyKeys(List<ConsentCommand> commands) {
            Set<String> seen = new HashSet<>();
            return commands.stream().flatMap(c -> c.idempotencyKey().stream()).allMatch(seen::add);
        }

        ConsentCommand command() {
            return commandFor(() -> text(255, false));
        }

        private ConsentCommand commandFor(Supplier<String> subjects) {
            String subject = subjects.get();
            String purpose = oneOf(List.of("marketing.email", "analytics", "ads.profiling"));
            String kind = oneOf(List.of("grant", "pending", "deny", "withdraw", "optOut"));
            Evidence evidence = evidence();
            Optional<Instant> effectiveAt = optional(0.6, this::effectiveAt);
            Optional<Integer> version = oneOf(List.of(Optional.empty(), Optional.of(1), Optional.of(2)));
            Optional<String> key = optional(0.5, () -> text(255, false));
            ConsentCommand.Builder b = switch (kind) {
                case "grant", "pending" -> ConsentCommand.grant(subject, purpose);
                case "deny" -> ConsentCommand.deny(subject, purpose);
                case "withdraw" -> ConsentCommand.withdraw(subject, purpose);
                default -> ConsentCommand.optOut(subject, purpose);
            };
            b.pendingConfirmation(kind.equals("pending"))
                    .evidence(evidence)
                    .effectiveAt(effectiveAt.orElse(null))
                    .idempotencyKey(key.orElse(null));
            boolean versioned = purpose.equals("marketing.email") || version.orElse(0) == 1;
            if (version.isPresent() && versioned) {
                b.purposeVersion(version.get());
            }
            return b.build();
        }

        /** Instants from 1970 up to the clock's (nanosecond) present, with any nanoseconds. */
        private Instant effectiveAt() {
            if (random.nextInt(9) == 0) {
                return oneOf(EDGE_INSTANTS);
            }
            return Instant.ofEpochSecond(nextLong(NOW.getEpochSecond()), random.nextInt(1_000_000_000));
        }

        private Evidence evidence() {
            Actor actor = switch (random.nextInt(3)) {
                case 0 -> Actor.subject();
                case 1 -> Actor.agent(text(255, false));
                default -> Actor.system(text(255, false));
            };
            Evidence.Builder b = Evidence.builder()
                    .source(oneOf(List.of(Source.values())))
                    .collectionPoint(text(255, false))
                    .noticeVersion(optional(0.95, () -> text(64, false)).orElse(null))
                    .noticeTextSha256(optional(0.95, this::sha256).orElse(null))
                    .locale(optional(0.95, () -> oneOf(LOCALES)).orElse(null))
                    .actor(actor);
            return b.ipAddress(optional(0.95, this::ipAddress).orElse(null))
                    .userAgent(optional(0.95, () -> text(1024, false)).orElse(null))
                    .comment(optional(0.95, () -> text(2000, true)).orElse(null))
                    .proofReference(optional(0.95, () -> text(255, false)).orElse(null))
                    .build();
        }

        private String sha256() {
            StringBuilder sb = new StringBuilder(64);
            for (int i = 0; i < 64; i++) {
                sb.append("0123456789abcdef".charAt(random.nextInt(16)));
            }
            return sb.toString();
        }

        private String ipAddress() {
            return switch (random.nextInt(3)) {
                case 0 ->
                    IntStream.range(0, 4)
                            .mapToObj(i -> String.valueOf(random.nextInt(256)))
                            .collect(Collectors.joining("."));
                case 1 ->
                    IntStream.range(0, 8)
                            .mapToObj(i -> Integer.toHexString(random.nextInt(0x10000)))
                            .collect(Collectors.joining(":"));
                default -> oneOf(EDGE_IPS);
            };
        }

        /**
         * Non-blank text of 1..max UTF-16 chars without control characters (tabs and line breaks when
         * multiline): ASCII with SQL metacharacters, Latin, Greek, CJK, emoji (surrogate pairs), combining marks.
         */
        String text(int max, boolean multiline) {
            while (true) {
                String s = random.nextInt(13) == 0 ? longest(max) : joined(max, multiline);
                if (!s.isBlank()) {
                    return s;
                }
            }
        }

        private String joined(int max, boolean multiline) {
            int tokens = 1 + random.nextInt(Math.min(max, 40));
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < tokens; i++) {
                sb.append(token(multiline));
            }
            return cut(sb.toString(), max);
        }

        private String token(boolean multiline) {
            int weight = random.nextInt(multiline ? 13 : 12);
            if (weight < 6) {
                return String.valueOf(charIn(' ', '~'));
            } else if (weight < 8) {
                return String.valueOf(charIn('\u00a0', '\u024f'));
            } else if (weight < 9) {
                return String.valueOf(charIn('\u0391', '\u03c9'));
            } else if (weight < 10) {
                return String.valueOf(charIn('\u4e00', '\u9fff'));
            } else if (weight < 12) {
                return oneOf(SPECIALS);
            }
            return oneOf(List.of("\n", "\r\n", "\t"));
        }

        /** Exactly {@code max} chars from a..z, the SQL metacharacters and a few non-ASCII letters. */
        private String longest(int max) {
            String alphabet = "abcdefghijklmnopqrstuvwxyz" + SQL_META + "\u00e4\u00df\u20ac";
            StringBuilder sb = new StringBuilder(max);
            for (int i = 0; i < max; i++) {
                sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            return sb.toString();
        }

        private char charIn(char first, char last) {
            return (char) (first + random.nextInt(last - first + 1));
        }

        private long nextLong(long bound) {
            return Math.floorMod(random.nextLong(), bound);
        }

        private <T> T oneOf(List<T> values) {
            return values.get(random.nextInt(values.size()));
        }

        private <T> Optional<T> optional(double presence, Supplier<T> value) {
            return random.nextDouble() < presence ? Optional.of(value.get()) : Optional.empty();
        }
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
