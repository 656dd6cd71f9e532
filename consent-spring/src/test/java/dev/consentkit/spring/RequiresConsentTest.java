package dev.consentkit.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentDeniedException;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.DecisionReason;
import dev.consentkit.core.InvalidConsentRequestException;
import dev.consentkit.spring.autoconfigure.ConsentKitAutoConfiguration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.SecurityContextHolder;

class RequiresConsentTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ConsentKitAutoConfiguration.class))
            .withPropertyValues(
                    "consentkit.purposes[0].id=marketing.email",
                    "consentkit.purposes[0].basis=consent",
                    "consentkit.purposes[1].id=ads.sale",
                    "consentkit.purposes[1].basis=consent",
                    "consentkit.purposes[2].id=analytics",
                    "consentkit.purposes[2].basis=legitimate-interests")
            .withBean("subjects", Subjects.class)
            .withBean(Mailer.class)
            .withBean(Partner.class)
            .withBean(Greeter.class, GreeterImpl::new);

    @Test
    void anAllowedCallRunsAndADeniedOneThrowsWithTheDecision() {
        runner.run(context -> {
            Mailer mailer = context.getBean(Mailer.class);
            assertThat(AopUtils.isAopProxy(mailer)).isTrue();
            assertThatThrownBy(() -> mailer.send(new Order("cust-1")))
                    .isInstanceOfSatisfying(
                            ConsentDeniedException.class,
                            e -> assertThat(e.decision().reason()).isEqualTo(DecisionReason.NO_RECORD));
            assertThat(mailer.sent()).isEmpty();

            grant(context.getBean(ConsentManager.class), "cust-1", "marketing.email");
            mailer.send(new Order("cust-1"));
            assertThat(mailer.sent()).containsExactly("cust-1");
        });
    }

    @Test
    void theSubjectExpressionSeesArgumentsByNameAndPositionAndBeans() {
        runner.run(context -> {
            ConsentManager consents = context.getBean(ConsentManager.class);
            Mailer mailer = context.getBean(Mailer.class);
            grant(consents, "cust-2", "marketing.email");
            assertThat(mailer.byPosition("cust-2", "ignored")).isEqualTo("sent");
            assertThat(mailer.toRecord(new Customer("cust-2"))).isEqualTo("sent");
            assertThatThrownBy(() -> mailer.toRecord(new Customer("cust-3")))
                    .isInstanceOf(ConsentDeniedException.class);
            assertThatThrownBy(() -> mailer.byPosition("cust-3", "cust-2")).isInstanceOf(ConsentDeniedException.class);
            context.getBean(Subjects.class).current = "cust-2";
            assertThat(mailer.forCurrentSubject()).isEqualTo("sent");
            context.getBean(Subjects.class).current = "cust-3";
            assertThatThrownBy(mailer::forCurrentSubject).isInstanceOf(ConsentDeniedException.class);
            assertThat(mailer.byNumber(42L))
                    .as("a non-string subject is turned into a string")
                    .isNull();
            grant(consents, "42", "marketing.email");
            assertThat(mailer.byNumber(42L)).isEqualTo("sent");
        });
    }

    @Test
    void skipModeReturnsNothingOfTheDeclaredType() {
        runner.run(context -> {
            Mailer mailer = context.getBean(Mailer.class);
            assertThat(mailer.offer("cust-1")).isEmpty();
            assertThat(mailer.offers("cust-1")).isEmpty();
            assertThat(mailer.offersByKind("cust-1")).isEmpty();
            assertThat(mailer.byNumber(7L)).isNull();
            mailer.notify("cust-1");
            assertThat(mailer.sent()).isEmpty();

            grant(context.getBean(ConsentManager.class), "cust-1", "marketing.email");
            assertThat(mailer.offer("cust-1")).contains("offer");
            assertThat(mailer.offers("cust-1")).containsExactly("offer");
            mailer.notify("cust-1");
            assertThat(mailer.sent()).containsExactly("notified");
        });
    }

    @Test
    void aClassAnnotationCoversEveryPublicMethodAndAMethodAnnotationWins() {
        runner.run(context -> {
            Partner partner = context.getBean(Partner.class);
            assertThatThrownBy(() -> partner.share("cust-1"))
                    .isInstanceOfSatisfying(
                            ConsentDeniedException.class,
                            e -> assertThat(e.decision().purpose().value()).isEqualTo("ads.sale"));
            assertThat(partner.measure("cust-1"))
                    .as("analytics is legitimate interests, not objected to")
                    .isEqualTo("measured");
            context.getBean(ConsentManager.class)
                    .record(ConsentCommand.optOut("cust-1", "analytics").build());
            assertThatThrownBy(() -> partner.measure("cust-1")).isInstanceOf(ConsentDeniedException.class);
            grant(context.getBean(ConsentManager.class), "cust-1", "ads.sale");
            assertThat(partner.share("cust-1")).isEqualTo("shared");
        });
    }

    @Test
    void aBeanWithAnInterfaceIsProxiedByClass() {
        runner.run(context -> {
            assertThat(context).hasSingleBean(GreeterImpl.class);
            assertThatThrownBy(() -> context.getBean(Greeter.class).greet("cust-9"))
                    .isInstanceOf(ConsentDeniedException.class);
        });
    }

    @Test
    void withoutSubjectExpressionTheAuthenticatedPrincipalIsTheSubject() {
        runner.run(context -> {
            Mailer mailer = context.getBean(Mailer.class);
            try {
                assertThatThrownBy(mailer::forMe)
                        .isInstanceOfSatisfying(
                                InvalidConsentRequestException.class,
                                e -> assertThat(e.fields()).containsExactly("subject"));
                SecurityContextHolder.getContext()
                        .setAuthentication(new AnonymousAuthenticationToken(
                                "key", "anonymousUser", AuthorityUtils.createAuthorityList("ROLE_ANONYMOUS")));
                assertThatThrownBy(mailer::forMe)
                        .as("anonymous is nobody")
                        .isInstanceOf(InvalidConsentRequestException.class);
                SecurityContextHolder.getContext()
                        .setAuthentication(
                                UsernamePasswordAuthenticationToken.authenticated("cust-5", "n/a", List.of()));
                assertThatThrownBy(mailer::forMe).isInstanceOf(ConsentDeniedException.class);
                grant(context.getBean(ConsentManager.class), "cust-5", "marketing.email");
                assertThat(mailer.forMe()).isEqualTo("sent");
            } finally {
                SecurityContextHolder.clearContext();
            }
        });
    }

    @Test
    void aNullSubjectIsRefusedAndTheMethodDoesNotRun() {
        runner.run(context -> {
            Mailer mailer = context.getBean(Mailer.class);
            assertThatThrownBy(() -> mailer.send(new Order(null)))
                    .isInstanceOfSatisfying(
                            InvalidConsentRequestException.class,
                            e -> assertThat(e.fields()).containsExactly("subject"));
            assertThat(mailer.sent()).isEmpty();
        });
    }

    @Test
    void anUnknownPurposeFailsTheStartUp() {
        runner.withBean(UnknownPurpose.class)
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasMessageContaining("@RequiresConsent on " + UnknownPurpose.class.getName() + ".call")
                        .hasMessageContaining("purpose 'marketing.sms' is not declared"));
    }

    @Test
    void anUnknownPurposeOnALazyBeanFailsTheStartUpToo() {
        runner.withBean(UnknownPurpose.class, UnknownPurpose::new, bd -> bd.setLazyInit(true))
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasMessageContaining("purpose 'marketing.sms' is not declared"));
    }

    @Test
    void aSubjectExpressionThatDoesNotParseFailsTheStartUp() {
        runner.withBean(BadExpression.class)
                .run(context ->
                        assertThat(context).getFailure().hasMessageContaining("the subject expression does not parse"));
    }

    @Test
    void skippingAMethodThatReturnsAPrimitiveFailsTheStartUp() {
        runner.withBean(PrimitiveSkip.class)
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasMessageContaining(
                                "onDenied = SKIP needs a method that returns void or an object, not int"));
    }

    private static void grant(ConsentManager consents, String subject, String purpose) {
        consents.record(ConsentCommand.grant(subject, purpose).build());
    }

    /** An argument with a JavaBean property. */
    public static final class Order {
        private final String customerId;

        Order(String customerId) {
            this.customerId = customerId;
        }

        public String getCustomerId() {
            return customerId;
        }
    }

    /** A record argument: its component is read like a property. */
    public record Customer(String id) {}

    /** A bean the expressions can refer to. */
    public static class Subjects {
        volatile String current = "nobody";

        public String current() {
            return current;
        }
    }

    public static class Mailer {
        private final List<String> sent = new ArrayList<>();

        /** Read through a method: a class-based proxy's own fields are empty. */
        public List<String> sent() {
            return sent;
        }

        @RequiresConsent(purpose = "marketing.email", subject = "#order.customerId")
        public void send(Order order) {
            sent.add(order.getCustomerId());
        }

        @RequiresConsent(purpose = "marketing.email", subject = "#customer.id")
        public String toRecord(Customer customer) {
            return "sent";
        }

        @RequiresConsent(purpose = "marketing.email")
        public String forMe() {
            return "sent";
        }

        @RequiresConsent(purpose = "marketing.email", subject = "#p0")
        public String byPosition(String first, String second) {
            return "sent";
        }

        @RequiresConsent(purpose = "marketing.email", subject = "@subjects.current()")
        public String forCurrentSubject() {
            return "sent";
        }

        @RequiresConsent(purpose = "marketing.email", subject = "#id", onDenied = RequiresConsent.OnDenied.SKIP)
        public String byNumber(Long id) {
            return "sent";
        }

        @RequiresConsent(purpose = "marketing.email", subject = "#customerId", onDenied = RequiresConsent.OnDenied.SKIP)
        public Optional<String> offer(String customerId) {
            return Optional.of("offer");
        }

        @RequiresConsent(purpose = "marketing.email", subject = "#customerId", onDenied = RequiresConsent.OnDenied.SKIP)
        public List<String> offers(String customerId) {
            return List.of("offer");
        }

        @RequiresConsent(purpose = "marketing.email", subject = "#customerId", onDenied = RequiresConsent.OnDenied.SKIP)
        public Map<String, String> offersByKind(String customerId) {
            return Map.of("kind", "offer");
        }

        @RequiresConsent(purpose = "marketing.email", subject = "#customerId", onDenied = RequiresConsent.OnDenied.SKIP)
        public void notify(String customerId) {
            sent.add("notified");
        }
    }

    @RequiresConsent(purpose = "ads.sale", subject = "#p0")
    public static class Partner {
        public String share(String customerId) {
            return "shared";
        }

        @RequiresConsent(purpose = "analytics", subject = "#p0")
        public String measure(String customerId) {
            return "measured";
        }
    }

    public interface Greeter {
        String greet(String customerId);
    }

    public static class GreeterImpl implements Greeter {
        @Override
        @RequiresConsent(purpose = "marketing.email", subject = "#customerId")
        public String greet(String customerId) {
            return "hello";
        }
    }

    public static class UnknownPurpose {
        @RequiresConsent(purpose = "marketing.sms", subject = "#p0")
        public void call(String customerId) {}
    }

    public static class BadExpression {
        @RequiresConsent(purpose = "marketing.email", subject = "#customerId +")
        public void call(String customerId) {}
    }

    public static class PrimitiveSkip {
        @RequiresConsent(purpose = "marketing.email", subject = "#p0", onDenied = RequiresConsent.OnDenied.SKIP)
        public int count(String customerId) {
            return 1;
        }
    }
}
