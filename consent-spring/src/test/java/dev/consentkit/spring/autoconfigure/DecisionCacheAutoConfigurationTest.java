package dev.consentkit.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.DecisionCache;
import dev.consentkit.core.DecisionReason;
import dev.consentkit.core.internal.CachingConsentStore;
import dev.consentkit.jdbc.JdbcChangeFeed;
import dev.consentkit.jdbc.JdbcConsentStore;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;

/** {@code consentkit.cache.*}: off by default; on, the manager reads through a decision cache fed by the database. */
class DecisionCacheAutoConfigurationTest {

    private final ApplicationContextRunner memory = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ConsentKitAutoConfiguration.class))
            .withPropertyValues(ConsentKitAutoConfigurationTest.TWO_PURPOSES);

    private final ApplicationContextRunner jdbc = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    DataSourceAutoConfiguration.class,
                    DataSourceTransactionManagerAutoConfiguration.class,
                    TransactionAutoConfiguration.class,
                    ConsentKitAutoConfiguration.class))
            .withPropertyValues(ConsentKitAutoConfigurationTest.TWO_PURPOSES);

    @Test
    void offByDefault() {
        memory.run(context -> {
            assertThat(context).doesNotHaveBean(DecisionCache.class);
            assertThat(context.getBean(ConsentManager.class).store()).isNotInstanceOf(CachingConsentStore.class);
        });
    }

    @Test
    void enabledTheManagerReadsThroughTheCacheWithTheConfiguredSettings() {
        memory.withPropertyValues(
                        "consentkit.cache.enabled=true",
                        "consentkit.cache.max-size=500",
                        "consentkit.cache.max-staleness=30s")
                .run(context -> {
                    DecisionCache cache = context.getBean(DecisionCache.class);
                    assertThat(cache.maxSize()).isEqualTo(500);
                    assertThat(cache.maxStaleness()).isEqualTo(Duration.ofSeconds(30));
                    assertThat(cache.changeFeed()).isEmpty();
                    ConsentManager manager = context.getBean(ConsentManager.class);
                    assertThat(manager.store()).isInstanceOf(CachingConsentStore.class);
                    manager.record(
                            ConsentCommand.grant("cust-1", "marketing.email").build());
                    assertThat(manager.check("cust-1", "marketing.email").allowed())
                            .isTrue();
                    assertThat(manager.check("cust-1", "marketing.email").allowed())
                            .isTrue();
                    assertThat(((CachingConsentStore) manager.store()).stats().hits())
                            .isPositive();
                });
    }

    @Test
    void anInvalidSettingIsNamed() {
        memory.withPropertyValues("consentkit.cache.enabled=true", "consentkit.cache.max-size=0")
                .run(context -> assertThat(context).getFailure().rootCause().hasMessageContaining("maxSize"));
    }

    @Test
    void onTheJdbcStoreAChangeFeedPollsTheLogAndIsClosedWithTheContext() {
        jdbc.withPropertyValues("consentkit.cache.enabled=true", "consentkit.cache.poll-interval=20ms")
                .run(context -> {
                    JdbcChangeFeed feed = context.getBean(JdbcChangeFeed.class);
                    assertThat(feed.mode()).isEqualTo(JdbcChangeFeed.Mode.POLL); // H2: no notifications
                    assertThat(context.getBean(JdbcConsentStore.class).notifiesChanges())
                            .isFalse();
                    assertThat(context.getBean(DecisionCache.class).changeFeed())
                            .contains(feed);
                    ConsentManager manager = context.getBean(ConsentManager.class);
                    CachingConsentStore cache = (CachingConsentStore) manager.store();
                    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                    while (!cache.trusted() && System.nanoTime() < deadline) {
                        Thread.sleep(5);
                    }
                    assertThat(cache.trusted()).isTrue();
                    manager.record(
                            ConsentCommand.grant("cust-1", "marketing.email").build());
                    manager.record(
                            ConsentCommand.withdraw("cust-1", "marketing.email").build());
                    assertThat(manager.check("cust-1", "marketing.email").reason())
                            .isEqualTo(DecisionReason.WITHDRAWN);
                });
    }
}
