package dev.consentkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SubjectIdTest {

    private static InvalidConsentRequestException rejected(String value) {
        Throwable thrown = catchThrowable(() -> SubjectId.of(value));
        assertThat(thrown).isInstanceOf(InvalidConsentRequestException.class);
        return (InvalidConsentRequestException) thrown;
    }

    @Nested
    class Valid {

        @ParameterizedTest
        @ValueSource(
                strings = {
                    "cust-42",
                    "a",
                    "o'brien\"; DROP TABLE consent;--",
                    "Zoë-🙂",
                    "user@example.com",
                    "  padded  ",
                    "名前"
                })
        void ofWhenValueIsAnOpaqueIdThenKeptExactly(String value) {
            assertThat(SubjectId.of(value).value()).isEqualTo(value);
        }

        @Test
        void ofWhenValueHas255CharactersThenAccepted() {
            assertThat(SubjectId.of("x".repeat(SubjectId.MAX_LENGTH)).value()).hasSize(255);
        }

        @Test
        void ofWhenValueHas255CharactersIncludingSurrogatePairsThenAccepted() {
            String value = "🙂".repeat(127) + "x"; // 255 UTF-16 code units
            assertThat(SubjectId.of(value).value()).isEqualTo(value);
        }

        @Test
        void equalsAndHashCodeWhenSameValueThenEqual() {
            assertThat(SubjectId.of("cust-42"))
                    .isEqualTo(new SubjectId("cust-42"))
                    .hasSameHashCodeAs(SubjectId.of("cust-42"))
                    .isNotEqualTo(SubjectId.of("cust-43"))
                    .isNotEqualTo(SubjectId.of("CUST-42"));
        }

        @Test
        void compareToWhenSortedThenOrderedByValue() {
            Set<SubjectId> sorted = new TreeSet<>(Set.of(SubjectId.of("b"), SubjectId.of("c"), SubjectId.of("a")));
            assertThat(sorted).extracting(SubjectId::value).containsExactly("a", "b", "c");
        }
    }

    @Nested
    class Invalid {

        @Test
        void ofWhenValueIsNullThenRejectedNamingSubject() {
            assertThat(rejected(null).fields()).containsExactly("subject");
        }

        @ParameterizedTest
        @ValueSource(strings = {"", " ", "\t \t"})
        void ofWhenValueIsEmptyOrBlankThenRejectedNamingSubject(String value) {
            assertThat(rejected(value).fields()).containsExactly("subject");
        }

        @Test
        void ofWhenValueHas256CharactersThenRejectedNamingSubject() {
            InvalidConsentRequestException e = rejected("x".repeat(256));
            assertThat(e.fields()).containsExactly("subject");
            assertThat(e.getMessage()).contains("255").doesNotContain("x".repeat(256));
        }

        static Stream<String> withControlCharacters() {
            return Stream.of(
                    "a\nb",
                    "a\rb",
                    "a\tb",
                    "a\u0000b",
                    "a\u001fb",
                    "a\u007fb",
                    "a\u0085b",
                    "a\u009fb",
                    "a\u2028b",
                    "a\u2029b");
        }

        @ParameterizedTest
        @MethodSource("withControlCharacters")
        void ofWhenValueHasControlCharacterThenRejectedNamingSubject(String value) {
            InvalidConsentRequestException e = rejected(value);
            assertThat(e.fields()).containsExactly("subject");
            assertThat(e.getMessage()).doesNotContain(value);
        }

        @Test
        void ofWhenValueIsInvalidThenMessageDoesNotRevealIt() {
            InvalidConsentRequestException e = rejected("jane.doe@example.com\n");
            assertThat(e.getMessage()).doesNotContain("jane.doe");
        }
    }

    @Nested
    class Redaction {

        @Test
        void toStringWhenCalledThenDoesNotRevealTheValue() {
            SubjectId id = SubjectId.of("jane.doe@example.com");

            assertThat(id.toString())
                    .doesNotContain("jane")
                    .doesNotContain("example.com")
                    .isNotBlank();
            assertThat(String.valueOf(id)).isEqualTo(id.toString());
        }

        @Test
        void toStringWhenEmbeddedInAStringThenDoesNotRevealTheValue() {
            assertThat("subject=" + SubjectId.of("cust-4711")).doesNotContain("4711");
        }
    }
}
