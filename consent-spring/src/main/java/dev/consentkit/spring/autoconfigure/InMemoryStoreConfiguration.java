package dev.consentkit.spring.autoconfigure;

import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.InMemoryConsentStore;
import dev.consentkit.core.spi.ConsentStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Without a JDBC store: the in-memory one, with a warning that nothing survives a restart. Not when the
 * application builds its own manager (which brings its own store).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnMissingBean(ConsentManager.class)
final class InMemoryStoreConfiguration {

    private static final Logger log = LoggerFactory.getLogger(ConsentKitAutoConfiguration.class);

    @Bean
    @ConditionalOnMissingBean(ConsentStore.class)
    InMemoryConsentStore consentStore() {
        log.warn("ConsentKit uses the in-memory store: recorded choices are lost when the application stops. "
                + "Add dev.consentkit:consent-jdbc and a DataSource to keep them.");
        return new InMemoryConsentStore();
    }
}
