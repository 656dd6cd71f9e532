package dev.consentkit.examples.preferences;

import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.Purpose;
import dev.consentkit.jdbc.JdbcConsentStore;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.time.Period;

/** The ConsentKit beans: a JDBC store on the application's DataSource and the manager with the demo's purposes. */
@Configuration(proxyBeanMethods = false)
class ConsentKitConfiguration {

    @Bean
    JdbcConsentStore consentStore(DataSource dataSource, @Value("${consentkit.jdbc.table-prefix:consent_}") String prefix,
                                  @Value("${consentkit.jdbc.schema:#{null}}") String schema) {
        JdbcConsentStore store = JdbcConsentStore.builder().dataSource(dataSource).tablePrefix(prefix).schema(schema)
                .build();
        store.createSchemaIfMissing();
        return store;
    }

    @Bean
    ConsentManager consentManager(JdbcConsentStore store, @Value("${consentkit.pseudonym-key}") String pseudonymKey) {
        return ConsentManager.builder()
                .purposes(
                        Purpose.builder("marketing.email.newsletter").basis(LegalBasis.CONSENT)
                                .title("Monthly newsletter")
                                .description("Once a month we e-mail you product news and tips.")
                                .validFor(Period.ofMonths(13)).directMarketing(true).dataCategories("email").build(),
                        Purpose.builder("analytics").basis(LegalBasis.LEGITIMATE_INTERESTS)
                                .title("Product analytics")
                                .description("We count which pages you visit to make the shop easier to use.")
                                .dataCategories("usage").build(),
                        Purpose.builder("ads.partner").basis(LegalBasis.LEGITIMATE_INTERESTS)
                                .title("Sharing with our ad partner")
                                .description("We share your purchase history with our advertising partner, "
                                        + "who shows you offers elsewhere.")
                                .saleOrShare(true).dataCategories("purchases").build())
                .store(store)
                .pseudonymKey(pseudonymKey.getBytes(StandardCharsets.UTF_8))
                .build();
    }
}
