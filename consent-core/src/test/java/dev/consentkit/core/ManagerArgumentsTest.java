package dev.consentkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The public methods' edges: a null argument is a bad request naming the parameter; typed ids answer alike. */
class ManagerArgumentsTest {

    static final SubjectId ALICE = SubjectId.of("alice");
    static final PurposeId EMAIL = PurposeId.of("marketing.email");

    InMemoryConsentStore store;
    ConsentManager manager;

    @BeforeEach
    void setUp() {
        store = new InMemoryConsentStore();
        manager = TestFixtures.manager()
                .store(store)
                .pseudonymKey(TestFixtures.PSEUDONYM_KEY)
                .preferences(PreferenceDefinition.of("newsletter.frequency", "weekly", "monthly"))
                .build();
    }

    void assertRejectedNaming(String parameter, Executable call) {
        Throwable thrown = catchThrowable(call::execute);

        assertThat(thrown).isInstanceOf(InvalidConsentRequestException.class);
        assertThat(((InvalidConsentRequestException) thrown).fields()).contains(parameter);
        assertThat(store.size()).as("nothing written").isZero();
    }

    @Nested
    class ANullArgument {

        @Test
        void toCheckNamesTheParameter() {
            assertRejectedNaming("purpose", () -> manager.check("alice", null));
            assertRejectedNaming("subject", () -> manager.check(null, "marketing.email"));
            assertRejectedNaming("purpose", () -> manager.check(ALICE, null));
            assertRejectedNaming("subject", () -> manager.check((SubjectId) null, EMAIL));
            assertRejectedNaming("purpose", () -> manager.require(ALICE, null));
        }

        @Test
        void toRecordOrRecordAllNamesTheCommands() {
            assertRejectedNaming("commands", () -> manager.recordAll(null));
            assertRejectedNaming("command", () -> manager.record(null));
            assertRejectedNaming(
                    "commands[1]",
                    () -> manager.recordAll(Arrays.asList(
                            ConsentCommand.grant("alice", "analytics").build(), null)));
        }

        @Test
        void toHistoryAuditTrailOrConfirmNamesTheParameter() {
            assertRejectedNaming("query", () -> manager.history(null));
            assertRejectedNaming("query", () -> manager.auditTrail(null));
            assertRejectedNaming("confirmationToken", () -> manager.confirm(null));
        }

        @Test
        void toTheOtherWritesNamesTheParameter() {
            assertRejectedNaming("evidence", () -> manager.applyGlobalPrivacyControl("alice", null));
            assertRejectedNaming(
                    "subject",
                    () -> manager.applyGlobalPrivacyControl((SubjectId) null, Evidence.of(Source.WEB, "gpc")));
            assertRejectedNaming(
                    "subject",
                    () -> manager.setPreference(
                            (SubjectId) null, "newsletter.frequency", "weekly", Evidence.of(Source.WEB, "prefs")));
            assertRejectedNaming("subject", () -> manager.erase((SubjectId) null, "art17-request"));
        }

        @Test
        void toTheReadsNamesTheParameter() {
            assertRejectedNaming("subject", () -> manager.stateOf((SubjectId) null));
            assertRejectedNaming("subject", () -> manager.stateOf((String) null));
            assertRejectedNaming("subject", () -> manager.verify((SubjectId) null));
            assertRejectedNaming("subject", () -> manager.preferences((SubjectId) null));
            assertRejectedNaming("subject", () -> manager.preference((SubjectId) null, "newsletter.frequency"));
            assertRejectedNaming("candidates", () -> manager.filterAllowed("marketing.email", null));
            assertRejectedNaming("candidates", () -> manager.filterAllowed(EMAIL, null));
            assertRejectedNaming("purpose", () -> manager.filterAllowed((PurposeId) null, List.of(ALICE)));
            assertRejectedNaming("candidates[1]", () -> manager.filterAllowed(EMAIL, Arrays.asList(ALICE, null)));
            assertRejectedNaming("at", () -> manager.checkAt(ALICE, EMAIL, null));
            assertRejectedNaming("purpose", () -> manager.checkAt(ALICE, null, Instant.EPOCH, Instant.EPOCH));
        }
    }

    @Nested
    class EveryPublicMethod {

        /** A valid argument for {@code parameter}, so that only the one left null can be what is refused. */
        Object valid(Parameter parameter) {
            Class<?> type = parameter.getType();
            String name = parameter.getName();
            if (type == SubjectId.class) {
                return ALICE;
            } else if (type == PurposeId.class) {
                return EMAIL;
            } else if (type == Evidence.class) {
                return Evidence.of(Source.WEB, "form");
            } else if (type == Instant.class) {
                return TestFixtures.NOW;
            } else if (type == ConsentCommand.class) {
                return ConsentCommand.grant("alice", "analytics").build();
            } else if (type == HistoryQuery.class) {
                return HistoryQuery.all();
            } else if (type == List.class) {
                return List.of(ConsentCommand.grant("alice", "analytics").build());
            } else if (type == Collection.class) {
                boolean typed = parameter.getParameterizedType().getTypeName().contains("SubjectId");
                return typed ? List.of(ALICE) : List.of("alice");
            } else if (type == String.class) {
                return switch (name) {
                    case "subject" -> "alice";
                    case "purpose" -> "marketing.email";
                    case "key" -> "newsletter.frequency";
                    case "value" -> "weekly";
                    case "reason" -> "art17-request";
                    case "confirmationToken" -> UUID.randomUUID().toString();
                    default -> throw new AssertionError("no valid value for String " + name);
                };
            }
            throw new AssertionError("no valid value for " + type + " " + name);
        }

        @Test
        void givenANullArgumentNamesTheParameterAndWritesNothing() throws Exception {
            List<String> checked = new ArrayList<>();
            for (Method method : ConsentManager.class.getMethods()) {
                if (method.getDeclaringClass() != ConsentManager.class || Modifier.isStatic(method.getModifiers())) {
                    continue;
                }
                Parameter[] parameters = method.getParameters();
                for (int nulled = 0; nulled < parameters.length; nulled++) {
                    if (parameters[nulled].getType().isPrimitive()) {
                        continue;
                    }
                    Object[] args = new Object[parameters.length];
                    for (int i = 0; i < parameters.length; i++) {
                        args[i] = i == nulled ? null : valid(parameters[i]);
                    }
                    String parameter = parameters[nulled].getName();
                    String call = method.getName() + "(" + parameter + " = null)";
                    Throwable thrown = null;
                    try {
                        method.invoke(manager, args);
                    } catch (InvocationTargetException e) {
                        thrown = e.getCause();
                    }
                    assertThat(thrown).as(call).isInstanceOf(InvalidConsentRequestException.class);
                    assertThat(((InvalidConsentRequestException) thrown).fields())
                            .as(call)
                            .containsExactly(parameter);
                    assertThat(store.size()).as(call + ": nothing written").isZero();
                    checked.add(call);
                }
            }
            assertThat(checked)
                    .contains(
                            "check(purpose = null)",
                            "applyGlobalPrivacyControl(evidence = null)",
                            "recordAll(commands = null)",
                            "filterAllowed(candidates = null)",
                            "history(query = null)",
                            "confirm(confirmationToken = null)");
        }
    }

    @Nested
    class TypedIds {

        @BeforeEach
        void choices() {
            manager.record(ConsentCommand.grant("alice", "marketing.email").build());
            manager.record(ConsentCommand.optOut("bob", "profiling").build());
        }

        @Test
        void decideAsTheStringForms() {
            assertThat(manager.check(ALICE, EMAIL)).isEqualTo(manager.check("alice", "marketing.email"));
            assertThat(manager.require(ALICE, EMAIL)).isEqualTo(manager.require("alice", "marketing.email"));
            assertThat(manager.checkAt(ALICE, EMAIL, TestFixtures.NOW))
                    .isEqualTo(manager.checkAt("alice", "marketing.email", TestFixtures.NOW));
            assertThat(manager.checkAt(ALICE, EMAIL, TestFixtures.NOW, TestFixtures.NOW))
                    .isEqualTo(manager.checkAt("alice", "marketing.email", TestFixtures.NOW, TestFixtures.NOW));
            assertThat(manager.stateOf(ALICE)).isEqualTo(manager.stateOf("alice"));
            assertThat(manager.filterAllowed(PurposeId.of("profiling"), List.of(ALICE, SubjectId.of("bob"))))
                    .containsExactly(ALICE)
                    .isEqualTo(manager.filterAllowed("profiling", List.of("alice", "bob")));
            assertThat(manager.verify(ALICE)).isEqualTo(manager.verify("alice"));
        }

        @Test
        void writeAsTheStringForms() {
            PreferenceRecord set =
                    manager.setPreference(ALICE, "newsletter.frequency", "monthly", Evidence.of(Source.WEB, "prefs"));

            assertThat(set.subject()).isEqualTo(ALICE);
            assertThat(manager.preference(ALICE, "newsletter.frequency"))
                    .isEqualTo(Optional.of("monthly"))
                    .isEqualTo(manager.preference("alice", "newsletter.frequency"));
            assertThat(manager.preferences(ALICE)).isEqualTo(manager.preferences("alice"));
            assertThat(manager.applyGlobalPrivacyControl(ALICE, Evidence.of(Source.WEB, "gpc")))
                    .isEmpty();
            assertThat(manager.erase(ALICE, "art17-request")).isPresent();
            assertThat(manager.check(ALICE, EMAIL).reason()).isEqualTo(DecisionReason.ERASED);
        }
    }
}
