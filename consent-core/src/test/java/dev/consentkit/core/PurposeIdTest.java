package dev.consentkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class PurposeIdTest {

    private static PurposeId id(String value) {
        return PurposeId.of(value);
    }

    @Nested
    class Shape {

        @ParameterizedTest
        @ValueSource(
                strings = {
                    "marketing",
                    "marketing.email",
                    "ads.sale",
                    "a",
                    "0",
                    "a-b_c.d0",
                    "a-",
                    "x.y.z.w",
                    "marketing.email.newsletter"
                })
        void ofWhenWellFormedThenAccepted(String value) {
            assertThat(id(value).value()).isEqualTo(value);
            assertThat(id(value).toString()).isEqualTo(value);
        }

        @Test
        void ofWhen128CharactersThenAccepted() {
            String value = "a".repeat(60) + "." + "b".repeat(67);
            assertThat(value).hasSize(128);
            assertThat(id(value).value()).isEqualTo(value);
        }

        static Stream<String> malformed() {
            return Stream.of(
                    "",
                    "Marketing",
                    "marketing.Email",
                    "a..b",
                    ".a",
                    "a.",
                    ".",
                    "-a",
                    "_a",
                    "a._b",
                    "a b",
                    "a/b",
                    "marketing'; DROP TABLE x;--",
                    "a".repeat(129),
                    "émail",
                    "a\n",
                    " a",
                    "a*");
        }

        @ParameterizedTest
        @MethodSource("malformed")
        void ofWhenMalformedThenRejectedNamingPurpose(String value) {
            Throwable thrown = catchThrowable(() -> id(value));

            assertThat(thrown).isInstanceOf(InvalidConsentRequestException.class);
            assertThat(((InvalidConsentRequestException) thrown).fields()).containsExactly("purpose");
        }

        @Test
        void ofWhenNullThenRejectedNamingPurpose() {
            Throwable thrown = catchThrowable(() -> id(null));

            assertThat(thrown).isInstanceOf(InvalidConsentRequestException.class);
            assertThat(((InvalidConsentRequestException) thrown).fields()).containsExactly("purpose");
        }
    }

    @Nested
    class Hierarchy {

        @Test
        void parentWhenNestedThenTheEnclosingPurpose() {
            assertThat(id("marketing.email.newsletter").parent()).contains(id("marketing.email"));
            assertThat(id("marketing.email").parent()).contains(id("marketing"));
        }

        @Test
        void parentWhenTopLevelThenEmpty() {
            assertThat(id("marketing").parent()).isEmpty();
        }

        @Test
        void ancestorsWhenNestedThenNearestFirst() {
            assertThat(id("a.b.c.d").ancestors()).containsExactly(id("a.b.c"), id("a.b"), id("a"));
            assertThat(id("marketing.email").ancestors()).containsExactly(id("marketing"));
        }

        @Test
        void ancestorsWhenTopLevelThenEmpty() {
            assertThat(id("marketing").ancestors()).isEmpty();
        }

        @Test
        void selfAndAncestorsWhenNestedThenSelfThenNearestFirst() {
            assertThat(id("a.b.c").selfAndAncestors()).containsExactly(id("a.b.c"), id("a.b"), id("a"));
            assertThat(id("a").selfAndAncestors()).containsExactly(id("a"));
        }

        @Test
        void ancestorsWhenSegmentsHaveDashesAndDigitsThenSplitOnlyOnDots() {
            assertThat(id("ads-2.sale_x.v-1").ancestors()).containsExactly(id("ads-2.sale_x"), id("ads-2"));
        }

        @Test
        void coversWhenSelfOrDescendantThenTrue() {
            assertThat(id("marketing").covers(id("marketing"))).isTrue();
            assertThat(id("marketing").covers(id("marketing.email"))).isTrue();
            assertThat(id("marketing").covers(id("marketing.email.newsletter"))).isTrue();
        }

        @Test
        void coversWhenAncestorSiblingOrPrefixLookalikeThenFalse() {
            assertThat(id("marketing.email").covers(id("marketing"))).isFalse();
            assertThat(id("marketing.email").covers(id("marketing.sms"))).isFalse();
            assertThat(id("marketing").covers(id("marketingx"))).isFalse();
            assertThat(id("marketing").covers(id("marketing-email"))).isFalse();
            assertThat(id("ads").covers(id("analytics"))).isFalse();
        }

        @Test
        void compareToAndEqualsWhenSameValueThenEqual() {
            assertThat(id("a.b"))
                    .isEqualTo(id("a.b"))
                    .hasSameHashCodeAs(id("a.b"))
                    .isNotEqualTo(id("a.c"));
            assertThat(id("a.b").compareTo(id("a.c"))).isNegative();
        }
    }
}
