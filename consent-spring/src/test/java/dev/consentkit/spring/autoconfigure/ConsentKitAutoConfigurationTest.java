package dev.consentkit.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.consentkit.core.Actor;
import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.DecisionReason;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.InMemoryConsentStore;
import dev.consentkit.core.InvalidConsentRequestException;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.Source;
import dev.consentkit.core.spi.CommitHook;
import dev.consentkit.jdbc.JdbcConsentStore;
import dev.consentkit.spring.ConsentChangedEvent;
import java.time.Clock;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.ApplicationDataSourceScriptDatabaseInitializer;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceInitializationAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;
import org.springframework.context.ApplicationListener;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

class ConsentKitAutoConfigurationTest {

    static final String[] TWO_PURPOSES = {
        "consentkit.purposes[0].id=marketing.email",
        "consentkit.purposes[0].basis=consent",
        "consentkit.purposes[0].title=Newsletter",
        "consentkit.purposes[0].validity=P13M",
        "consentkit.purposes[0].direct-marketing=true",
        "consentkit.purposes[0].data-categories=email,name",
        "consentkit.purposes[0].texts.de.title=Newsletter per E-Mail",
        "consentkit.purposes[0].texts.de.description=Jede Woche",
        "consentkit.purposes[1].id=ads.sale",
        "consentkit.purposes[1].version=3",
        "consentkit.purposes[1].reconsent-from-version=2",
        "consentkit.purposes[1].basis=legitimate-interests",
        "consentkit.purposes[1].sale-or-share=true"
    };

    private final ApplicationContextRunner memory = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ConsentKitAutoConfiguration.class))
            .withPropertyValues(TWO_PURPOSES);

    private final ApplicationContextRunner jdbc = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    DataSourceAutoConfiguration.class,
                    DataSourceTransactionManagerAutoConfiguration.class,
                    TransactionAutoConfiguration.class,
                    ConsentKitAutoConfiguration.class))
            .withPropertyValues(TWO_PURPOSES);

    @Nested
    class Properties {

        @Test
        void purposesAreDeclaredWithEveryProperty() {
            memory.withPropertyValues("consentkit.tenant=brand-a").run(context -> {
                ConsentManager consents = context.getBean(ConsentManager.class);
                assertThat(consents.tenant()).isEqualTo("brand-a");
                Purpose email = consents.purposes().require(PurposeId.of("marketing.email"));
                assertThat(email.basis()).isEqualTo(LegalBasis.CONSENT);
                assertThat(email.title()).isEqualTo("Newsletter");
                assertThat(email.validity()).contains(Period.ofMonths(13));
                assertThat(email.directMarketing()).isTrue();
                assertThat(email.saleOrShare()).isFalse();
                assertThat(email.dataCategories()).containsExactly("email", "name");
                assertThat(email.title(Locale.GERMAN)).isEqualTo("Newsletter per E-Mail");
                assertThat(email.description(Locale.GERMANY)).isEqualTo("Jede Woche");
                Purpose sale = consents.purposes().require(PurposeId.of("ads.sale"));
                assertThat(sale.version()).isEqualTo(3);
                assertThat(sale.reconsentFromVersion()).isEqualTo(2);
                assertThat(sale.basis()).isEqualTo(LegalBasis.LEGITIMATE_INTERESTS);
                assertThat(sale.saleOrShare()).isTrue();
                assertThat(sale.title()).isEqualTo("ads.sale");
            });
        }

        @Test
        void severalVersionsOfOnePurposeAreKept() {
            memory.withPropertyValues(
                            "consentkit.purposes[2].id=marketing.email",
                            "consentkit.purposes[2].version=2",
                            "consentkit.purposes[2].basis=consent")
                    .run(context -> {
                        ConsentManager consents = context.getBean(ConsentManager.class);
                        assertThat(consents.purposes().versions(PurposeId.of("marketing.email")))
                                .hasSize(2);
                        assertThat(consents.purposes()
                                        .require(PurposeId.of("marketing.email"))
                                        .version())
                                .isEqualTo(2);
                    });
        }

        @Test
        void withoutPurposesTheApplicationDoesNotStart() {
            new ApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(ConsentKitAutoConfiguration.class))
                    .run(context -> assertThat(context)
                            .getFailure()
                            .hasMessageContaining("consentkit.purposes: declare at least one purpose"));
        }

        @Test
        void aPurposeWithoutBasisIsNamed() {
            memory.withPropertyValues("consentkit.purposes[2].id=analytics")
                    .run(context -> assertThat(context)
                            .getFailure()
                            .hasMessageContaining("consentkit.purposes[2].basis is required"));
        }

        @Test
        void aMalformedPurposeIdIsNamed() {
            memory.withPropertyValues(
                            "consentkit.purposes[2].id=Marketing Email", "consentkit.purposes[2].basis=consent")
                    .run(context -> assertThat(context)
                            .getFailure()
                            .hasMessageContaining("consentkit.purposes[2].id must be lower-case dotted segments"));
        }

        @Test
        void anInvalidReconsentVersionIsNamed() {
            memory.withPropertyValues("consentkit.purposes[1].reconsent-from-version=4")
                    .run(context -> assertThat(context)
                            .getFailure()
                            .hasMessageContaining("consentkit.purposes[1]: ")
                            .hasMessageContaining("reconsentFromVersion"));
        }

        @Test
        void aShortPseudonymKeyIsNamedAndTheCoreViolationIsTheCause() {
            memory.withPropertyValues("consentkit.pseudonym-key=short")
                    .run(context -> assertThat(context)
                            .getFailure()
                            .hasMessageContaining("consentkit.pseudonymKey must be at least 16 bytes")
                            .hasRootCauseInstanceOf(InvalidConsentRequestException.class));
        }

        @Test
        void anInvalidTenantIsNamed() {
            memory.withPropertyValues("consentkit.tenant=no spaces")
                    .run(context -> assertThat(context).getFailure().hasMessageContaining("consentkit.tenant"));
        }

        @Test
        void preferencesAreDeclaredWithTheirDefault() {
            memory.withPropertyValues(
                            "consentkit.preferences[0].key=newsletter.frequency",
                            "consentkit.preferences[0].allowed-values=daily,weekly,monthly",
                            "consentkit.preferences[0].default-value=weekly")
                    .run(context -> {
                        ConsentManager consents = context.getBean(ConsentManager.class);
                        assertThat(consents.preference("cust-1", "newsletter.frequency"))
                                .contains("weekly");
                        consents.setPreference(
                                "cust-1", "newsletter.frequency", "daily", Evidence.of(Source.WEB, "centre"));
                        assertThat(consents.preference("cust-1", "newsletter.frequency"))
                                .contains("daily");
                    });
        }

        @Test
        void aPreferenceWhoseDefaultIsNotAllowedIsNamed() {
            memory.withPropertyValues(
                            "consentkit.preferences[0].key=newsletter.frequency",
                            "consentkit.preferences[0].allowed-values=daily",
                            "consentkit.preferences[0].default-value=never")
                    .run(context ->
                            assertThat(context).getFailure().hasMessageContaining("consentkit.preferences[0]: "));
        }

        @Test
        void evidenceIsMinimisedAsConfigured() {
            memory.withPropertyValues(
                            "consentkit.evidence.ip-address=hash",
                            "consentkit.evidence.hash-key=0123456789abcdef-secret",
                            "consentkit.evidence.user-agent=drop")
                    .run(context -> {
                        ConsentRecord r = context.getBean(ConsentManager.class)
                                .record(ConsentCommand.grant("cust-1", "marketing.email")
                                        .evidence(Evidence.builder()
                                                .source(Source.WEB)
                                                .collectionPoint("form")
                                                .ipAddress("192.0.2.44")
                                                .userAgent("Firefox")
                                                .build())
                                        .build());
                        assertThat(r.evidence().ipAddress())
                                .hasValueSatisfying(ip -> assertThat(ip).startsWith("hmac:"));
                        assertThat(r.evidence().userAgent()).isEmpty();
                    });
        }

        @Test
        void byDefaultIpAddressesAreTruncated() {
            memory.run(context -> {
                ConsentRecord r = context.getBean(ConsentManager.class)
                        .record(ConsentCommand.grant("cust-1", "marketing.email")
                                .evidence(Evidence.builder()
                                        .source(Source.WEB)
                                        .collectionPoint("form")
                                        .ipAddress("192.0.2.44")
                                        .build())
                                .build());
                assertThat(r.evidence().ipAddress()).contains("192.0.2.0");
            });
        }

        @Test
        void hashingWithoutKeyIsNamed() {
            memory.withPropertyValues("consentkit.evidence.ip-address=hash")
                    .run(context ->
                            assertThat(context).getFailure().hasMessageContaining("consentkit.evidence.hash-key"));
        }

        @Test
        void aPseudonymKeyEnablesErasure() {
            memory.withPropertyValues("consentkit.pseudonym-key=a-secret-of-sixteen-chars")
                    .run(context -> {
                        ConsentManager consents = context.getBean(ConsentManager.class);
                        consents.record(ConsentCommand.grant("cust-1", "marketing.email")
                                .build());
                        assertThat(consents.erase("cust-1", "request by e-mail"))
                                .isPresent();
                        assertThat(consents.check("cust-1", "marketing.email").reason())
                                .isEqualTo(DecisionReason.ERASED);
                    });
        }
    }

    @Nested
    class Beans {

        @Test
        void aClockBeanTimesTheRecords() {
            Instant fixed = Instant.parse("2026-01-02T03:04:05Z");
            memory.withBean(Clock.class, () -> Clock.fixed(fixed, ZoneOffset.UTC))
                    .run(context -> assertThat(context.getBean(ConsentManager.class)
                                    .record(ConsentCommand.grant("cust-1", "marketing.email")
                                            .build())
                                    .recordedAt())
                            .isEqualTo(fixed));
        }

        @Test
        void customizersAdjustTheBuilder() {
            memory.withBean(
                            ConsentManagerBuilderCustomizer.class,
                            () -> b -> b.purposes(Purpose.builder("service.billing")
                                    .basis(LegalBasis.CONTRACT)
                                    .build()))
                    .run(context -> assertThat(context.getBean(ConsentManager.class)
                                    .check("cust-1", "service.billing")
                                    .allowed())
                            .isTrue());
        }

        @Test
        void theApplicationsOwnManagerWins() {
            ConsentManager own = ConsentManager.builder()
                    .purposes(Purpose.builder("own").basis(LegalBasis.CONSENT).build())
                    .build();
            memory.withBean(ConsentManager.class, () -> own).run(context -> {
                assertThat(context.getBean(ConsentManager.class)).isSameAs(own);
                assertThat(context)
                        .as("no unused store, no misleading warning")
                        .doesNotHaveBean(InMemoryConsentStore.class);
            });
        }

        @Test
        void theApplicationsOwnStoreIsUsed() {
            InMemoryConsentStore own = new InMemoryConsentStore();
            memory.withBean(InMemoryConsentStore.class, () -> own)
                    .run(context -> assertThat(
                                    context.getBean(ConsentManager.class).store())
                            .isSameAs(own));
        }

        @Test
        void aCommitHookIsRegisteredWhenSpringTxIsPresent() {
            memory.run(context -> assertThat(context).hasSingleBean(CommitHook.class));
            memory.withClassLoader(new FilteredClassLoader(TransactionSynchronizationManager.class))
                    .run(context -> {
                        assertThat(context).hasNotFailed();
                        assertThat(context).doesNotHaveBean(CommitHook.class);
                    });
        }

        @Test
        void committedChangesArePublishedAsApplicationEvents() {
            List<ConsentChangedEvent> events = new CopyOnWriteArrayList<>();
            memory.withBean(ApplicationListener.class, () -> (ApplicationListener<ConsentChangedEvent>) events::add)
                    .run(context -> {
                        ConsentRecord r = context.getBean(ConsentManager.class)
                                .record(ConsentCommand.grant("cust-1", "marketing.email")
                                        .build());
                        assertThat(events).singleElement().satisfies(e -> {
                            assertThat(e.entry()).isEqualTo(r);
                            assertThat(e.consentRecord()).contains(r);
                        });
                    });
        }
    }

    @Nested
    @ExtendWith(OutputCaptureExtension.class)
    class Storage {

        @Test
        void withoutDataSourceTheInMemoryStoreIsUsedWithOneWarning(CapturedOutput output) {
            memory.run(context -> {
                assertThat(context.getBean(ConsentManager.class).store()).isInstanceOf(InMemoryConsentStore.class);
                assertThat(output.getOut().lines().filter(l -> l.contains("in-memory store")))
                        .hasSize(1)
                        .allSatisfy(l -> assertThat(l).contains("WARN"));
            });
        }

        @Test
        void withDataSourceAndConsentJdbcTheJdbcStoreIsUsedAndItsSchemaCreatedOnH2() {
            jdbc.withPropertyValues("consentkit.jdbc.table-prefix=ck_").run(context -> {
                ConsentManager consents = context.getBean(ConsentManager.class);
                assertThat(consents.store()).isInstanceOf(JdbcConsentStore.class);
                consents.record(
                        ConsentCommand.grant("cust-1", "marketing.email").build());
                assertThat(new JdbcTemplate(context.getBean(DataSource.class))
                                .queryForObject("SELECT COUNT(*) FROM ck_log", Integer.class))
                        .isEqualTo(1);
            });
        }

        @Test
        void lockTimeoutIsFiveSecondsByDefaultAndReachesTheStoreBuilder() {
            jdbc.run(context -> assertThat(
                            context.getBean(ConsentKitProperties.class).jdbc().lockTimeout())
                    .isEqualTo(java.time.Duration.ofSeconds(5)));
            jdbc.withPropertyValues("consentkit.jdbc.lock-timeout=2s")
                    .run(context -> assertThat(context.getBean(ConsentKitProperties.class)
                                    .jdbc()
                                    .lockTimeout())
                            .isEqualTo(java.time.Duration.ofSeconds(2)));
            // the builder refuses a zero timeout: start-up failing proves the property is passed on
            jdbc.withPropertyValues("consentkit.jdbc.lock-timeout=0s")
                    .run(context -> assertThat(context)
                            .getFailure()
                            .hasStackTraceContaining("consentkit.jdbc: lockTimeout must be at least 1 ms"));
        }

        @Test
        void withInitializeSchemaNeverNoTablesAreCreatedAndStartUpSaysWhy() {
            jdbc.withPropertyValues("consentkit.jdbc.initialize-schema=never")
                    .run(context -> assertThat(context)
                            .getFailure()
                            .hasMessageContaining("do the tables exist?")
                            .hasMessageContaining("consentkit.jdbc.initialize-schema"));
        }

        @Test
        void withInitializeSchemaNeverExistingTablesAreUsed() {
            jdbc.withPropertyValues("consentkit.jdbc.table-prefix=mine_").run(created -> {
                DataSource shared = created.getBean(DataSource.class);
                jdbc.withBean(DataSource.class, () -> shared)
                        .withPropertyValues(
                                "consentkit.jdbc.initialize-schema=never", "consentkit.jdbc.table-prefix=mine_")
                        .run(context -> {
                            assertThat(context).hasNotFailed();
                            context.getBean(ConsentManager.class)
                                    .record(ConsentCommand.grant("cust-1", "marketing.email")
                                            .build());
                            assertThat(new JdbcTemplate(shared)
                                            .queryForObject("SELECT COUNT(*) FROM mine_log", Integer.class))
                                    .isEqualTo(1);
                        });
            });
        }

        @Test
        void withInitializeSchemaAlwaysTablesAreCreatedOnAnyDatabase() {
            jdbc.withPropertyValues(
                            "spring.datasource.url=jdbc:h2:file:./target/h2-always-" + System.nanoTime(),
                            "consentkit.jdbc.initialize-schema=always")
                    .run(context -> {
                        assertThat(context).hasNotFailed();
                        assertThat(new JdbcTemplate(context.getBean(DataSource.class))
                                        .queryForObject("SELECT COUNT(*) FROM consent_log", Integer.class))
                                .isZero();
                    });
        }

        @Test
        void theSchemaInitializerIsOnByDefaultAndOffWithInitializeSchemaNever() {
            jdbc.run(created -> {
                assertThat(created).hasSingleBean(ConsentKitDataSourceScriptDatabaseInitializer.class);
                DataSource shared = created.getBean(DataSource.class);
                jdbc.withBean(DataSource.class, () -> shared)
                        .withPropertyValues("consentkit.jdbc.initialize-schema=never")
                        .run(context -> {
                            assertThat(context).hasNotFailed();
                            assertThat(context).doesNotHaveBean(ConsentKitDataSourceScriptDatabaseInitializer.class);
                        });
            });
        }

        @Test
        void withInitializeSchemaAlwaysARestartLeavesTheExistingTablesAlone() {
            String url = "jdbc:h2:file:./target/h2-restart-" + System.nanoTime();
            ApplicationContextRunner always =
                    jdbc.withPropertyValues("spring.datasource.url=" + url, "consentkit.jdbc.initialize-schema=always");
            always.run(context -> context.getBean(ConsentManager.class)
                    .record(ConsentCommand.grant("cust-1", "marketing.email").build()));
            always.run(context -> {
                assertThat(context).hasNotFailed();
                assertThat(new JdbcTemplate(context.getBean(DataSource.class))
                                .queryForObject("SELECT COUNT(*) FROM consent_log", Integer.class))
                        .isEqualTo(1);
            });
        }

        @Test
        void anInitializerOfTheApplicationsReplacesConsentKits() {
            jdbc.withUserConfiguration(OwnInitializer.class)
                    .withPropertyValues("consentkit.jdbc.table-prefix=own_")
                    .run(context -> {
                        assertThat(context.getBeansOfType(ConsentKitDataSourceScriptDatabaseInitializer.class))
                                .containsOnlyKeys("ownInitializer");
                        assertThat(new JdbcTemplate(context.getBean(DataSource.class))
                                        .queryForObject("SELECT COUNT(*) FROM own_log", Integer.class))
                                .isZero();
                    });
        }

        @Test
        void theStoreWaitsForEveryDatabaseInitializer() {
            jdbc.withConfiguration(AutoConfigurations.of(DataSourceInitializationAutoConfiguration.class))
                    .withPropertyValues(
                            "spring.sql.init.mode=always",
                            "spring.sql.init.schema-locations=optional:classpath:none.sql")
                    .run(context -> {
                        assertThat(context).hasNotFailed();
                        assertThat(context.getBeanFactory()
                                        .getBeanDefinition("consentStore")
                                        .getDependsOn())
                                .contains("consentKitDataSourceScriptDatabaseInitializer")
                                .contains(context.getBeanNamesForType(
                                        ApplicationDataSourceScriptDatabaseInitializer.class));
                    });
        }

        @Test
        void withoutBootsDatabaseInitializationSupportNoSchemaIsCreated() {
            jdbc.withClassLoader(new FilteredClassLoader("org.springframework.boot.jdbc.init"))
                    .run(context -> assertThat(context).getFailure().hasMessageContaining("do the tables exist?"));
        }

        @Test
        void anInvalidTablePrefixIsNamed() {
            jdbc.withPropertyValues("consentkit.jdbc.table-prefix=bad-prefix")
                    .run(context ->
                            assertThat(context).getFailure().hasMessageContaining("consentkit.jdbc: tablePrefix"));
        }

        @Test
        void withoutConsentJdbcTheInMemoryStoreIsUsedEvenWithDataSource() {
            jdbc.withClassLoader(new FilteredClassLoader(JdbcConsentStore.class))
                    .run(context -> {
                        assertThat(context).hasSingleBean(DataSource.class);
                        assertThat(context.getBean(ConsentManager.class).store())
                                .isInstanceOf(InMemoryConsentStore.class);
                    });
        }

        @Test
        void aConsentWriteCommitsAndRollsBackWithTheApplicationsTransaction() {
            List<AuditEntry> events = new CopyOnWriteArrayList<>();
            jdbc.withBean(ApplicationListener.class, () ->
                            (ApplicationListener<ConsentChangedEvent>) e -> events.add(e.entry()))
                    .run(context -> {
                        ConsentManager consents = context.getBean(ConsentManager.class);
                        JdbcTemplate sql = new JdbcTemplate(context.getBean(DataSource.class));
                        sql.execute("CREATE TABLE orders (id INT PRIMARY KEY)");
                        TransactionTemplate tx = context.getBean(TransactionTemplate.class);

                        assertThatThrownBy(() -> tx.executeWithoutResult(status -> {
                                    sql.update("INSERT INTO orders VALUES (1)");
                                    consents.record(ConsentCommand.grant("cust-1", "marketing.email")
                                            .build());
                                    assertThat(events)
                                            .as("not before the commit")
                                            .isEmpty();
                                    throw new IllegalStateException("business failure");
                                }))
                                .hasMessage("business failure");
                        assertThat(sql.queryForObject("SELECT COUNT(*) FROM orders", Integer.class))
                                .isZero();
                        assertThat(consents.check("cust-1", "marketing.email").reason())
                                .isEqualTo(DecisionReason.NO_RECORD);
                        assertThat(events).isEmpty();

                        tx.executeWithoutResult(status -> {
                            sql.update("INSERT INTO orders VALUES (2)");
                            consents.record(ConsentCommand.grant("cust-1", "marketing.email")
                                    .evidence(Evidence.builder()
                                            .source(Source.PHONE)
                                            .collectionPoint("call-centre")
                                            .actor(Actor.agent("agent-7"))
                                            .build())
                                    .build());
                            assertThat(events).as("not before the commit").isEmpty();
                        });
                        assertThat(sql.queryForObject("SELECT COUNT(*) FROM orders", Integer.class))
                                .isEqualTo(1);
                        assertThat(consents.check("cust-1", "marketing.email").allowed())
                                .isTrue();
                        assertThat(events).hasSize(1);
                    });
        }

        /** An application's own initialiser of ConsentKit's tables. */
        @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
        static class OwnInitializer {

            @org.springframework.context.annotation.Bean
            ConsentKitDataSourceScriptDatabaseInitializer ownInitializer(DataSource dataSource) {
                return new ConsentKitDataSourceScriptDatabaseInitializer(
                        dataSource,
                        new ConsentKitProperties.Jdbc(
                                "own_",
                                null,
                                ConsentKitProperties.SchemaInitialization.EMBEDDED,
                                java.time.Duration.ofSeconds(5)));
            }
        }
    }
}
