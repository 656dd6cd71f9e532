package dev.consentkit.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.spring.RequiresConsent;
import dev.consentkit.spring.internal.ConsentKitEndpoint;
import dev.consentkit.spring.internal.ConsentMeters;
import dev.consentkit.spring.internal.ConsentStoreHealthIndicator;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.JdbcTemplate;

class ConsentKitObservabilityAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    ConsentKitAutoConfiguration.class, ConsentKitObservabilityAutoConfiguration.class))
            .withPropertyValues(ConsentKitAutoConfigurationTest.TWO_PURPOSES);

    @Test
    void withAMeterRegistryEveryCheckIsTimedAndRecordsCounted() {
        runner.withBean(SimpleMeterRegistry.class).withBean(Guarded.class).run(context -> {
            MeterRegistry meters = context.getBean(MeterRegistry.class);
            ConsentManager consents = context.getBean(ConsentManager.class);
            Guarded guarded = context.getBean(Guarded.class);
            assertThatThrownBy(() -> guarded.send("cust-1")).isInstanceOf(RuntimeException.class);
            consents.record(ConsentCommand.grant("cust-1", "marketing.email").build());
            consents.record(ConsentCommand.withdraw("cust-1", "marketing.email").build());
            consents.record(ConsentCommand.grant("cust-1", "marketing.email").build());
            guarded.send("cust-1");
            guarded.send("cust-1");
            consents.check("cust-1", "marketing.email");
            consents.check("cust-2", "marketing.email");

            assertThat(meters.get("consentkit.checks")
                            .tags("purpose", "marketing.email", "outcome", "denied")
                            .timer()
                            .count())
                    .as("one advised call, one direct check")
                    .isEqualTo(2);
            assertThat(meters.get("consentkit.checks")
                            .tags("purpose", "marketing.email", "outcome", "allowed")
                            .timer()
                            .count())
                    .as("two advised calls, one direct check")
                    .isEqualTo(3);
            assertThat(meters.get("consentkit.records")
                            .tags("purpose", "marketing.email", "status", "GRANTED")
                            .counter()
                            .count())
                    .isEqualTo(2);
            assertThat(meters.get("consentkit.records")
                            .tags("purpose", "marketing.email", "status", "WITHDRAWN")
                            .counter()
                            .count())
                    .isEqualTo(1);
        });
    }

    @Test
    void withoutAMeterRegistryOrMicrometerThereAreNoMeters() {
        runner.run(context -> assertThat(context).doesNotHaveBean(ConsentMeters.class));
        runner.withClassLoader(new FilteredClassLoader(MeterRegistry.class)).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(ConsentMeters.class);
        });
    }

    @Test
    void theEndpointShowsPurposesRecordCountsAndTheLastVerification() {
        runner.withPropertyValues("management.endpoints.web.exposure.include=consentkit")
                .run(context -> {
                    ConsentKitEndpoint endpoint = context.getBean(ConsentKitEndpoint.class);
                    assertThat(endpoint.overview())
                            .containsEntry("lastVerification", "never")
                            .containsEntry("tenant", "default")
                            .containsEntry("store", "InMemoryConsentStore");
                    ConsentManager consents = context.getBean(ConsentManager.class);
                    consents.record(
                            ConsentCommand.grant("cust-1", "marketing.email").build());
                    consents.record(ConsentCommand.optOut("cust-2", "ads.sale").build());
                    Map<String, Object> verification = endpoint.verify();
                    assertThat(verification).containsEntry("intact", true).containsEntry("recordsChecked", 2L);
                    Map<String, Object> overview = endpoint.overview();
                    assertThat(overview.get("lastVerification")).isEqualTo(verification);
                    assertThat(overview.get("recordsSinceStartup"))
                            .isEqualTo(Map.of(
                                    "marketing.email", Map.of("GRANTED", 1L), "ads.sale", Map.of("OPTED_OUT", 1L)));
                    assertThat(overview.get("purposes").toString()).contains("marketing.email", "ads.sale");
                });
    }

    @Test
    void theEndpointCanBeSwitchedOff() {
        runner.withPropertyValues(
                        "management.endpoints.web.exposure.include=consentkit",
                        "management.endpoint.consentkit.access=NONE")
                .run(context -> assertThat(context).doesNotHaveBean(ConsentKitEndpoint.class));
    }

    @Test
    void theHealthIndicatorIsUpWhileTheStoreAnswersAndDownWhenItFails() {
        runner.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
                .run(context -> {
                    ConsentStoreHealthIndicator health =
                            context.getBean("consentkitHealthIndicator", ConsentStoreHealthIndicator.class);
                    assertThat(health.health().getStatus()).isEqualTo(Status.UP);
                    assertThat(health.health().getDetails()).containsEntry("store", "JdbcConsentStore");
                    new JdbcTemplate(context.getBean(DataSource.class)).execute("DROP ALL OBJECTS");
                    assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
                });
    }

    @Test
    void theHealthIndicatorCanBeSwitchedOff() {
        runner.withPropertyValues("management.health.consentkit.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(ConsentStoreHealthIndicator.class));
    }

    public static class Guarded {
        @RequiresConsent(purpose = "marketing.email", subject = "#p0")
        public void send(String customerId) {}
    }
}
