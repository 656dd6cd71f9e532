package dev.consentkit.spring.autoconfigure;

import dev.consentkit.core.DecisionCache;
import dev.consentkit.core.spi.ChangeFeed;
import dev.consentkit.jdbc.JdbcChangeFeed;
import dev.consentkit.jdbc.JdbcConsentStore;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * The decision cache, with {@code consentkit.cache.enabled=true}: a {@link DecisionCache} from the
 * {@code consentkit.cache.*} properties, fed by a {@link JdbcChangeFeed} on the JDBC store (closed with the
 * context), or by the application's own {@link ChangeFeed} bean. The in-memory store needs no feed.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "consentkit.cache", name = "enabled", havingValue = "true")
@ConditionalOnClass(name = "com.github.benmanes.caffeine.cache.Caffeine")
@Import(DecisionCacheConfiguration.JdbcFeedConfiguration.class)
final class DecisionCacheConfiguration {

    @Bean
    @ConditionalOnMissingBean
    DecisionCache consentDecisionCache(ConsentKitProperties properties, ObjectProvider<ChangeFeed> feed) {
        ConsentKitProperties.Cache cache = properties.cache();
        DecisionCache.Builder builder;
        try {
            builder = DecisionCache.builder().maxSize(cache.maxSize()).maxStaleness(cache.maxStaleness());
        } catch (dev.consentkit.core.InvalidConsentRequestException e) {
            throw PropertiesMapping.failure("consentkit.cache: ", e);
        }
        feed.ifUnique(builder::changeFeed);
        return builder.build();
    }

    /** Other instances' writes, through the database the JDBC store is on. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "dev.consentkit.jdbc.JdbcChangeFeed")
    @ConditionalOnBean(JdbcConsentStore.class)
    static final class JdbcFeedConfiguration {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean(ChangeFeed.class)
        JdbcChangeFeed consentChangeFeed(JdbcConsentStore store, ConsentKitProperties properties) {
            try {
                return JdbcChangeFeed.builder(store)
                        .pollInterval(properties.cache().pollInterval())
                        .build();
            } catch (dev.consentkit.core.InvalidConsentRequestException e) {
                throw PropertiesMapping.failure("consentkit.cache: ", e);
            }
        }
    }
}
