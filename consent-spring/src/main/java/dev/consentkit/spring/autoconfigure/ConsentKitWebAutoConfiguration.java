package dev.consentkit.spring.autoconfigure;

import dev.consentkit.core.ConsentManager;
import dev.consentkit.spring.web.ConsentProblemHandler;
import dev.consentkit.spring.web.ConsentSubjectResolver;
import dev.consentkit.spring.web.GlobalPrivacyControlFilter;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.servlet.DispatcherServlet;

/**
 * The servlet integration: the Global Privacy Control filter ({@code consentkit.web.gpc.enabled}, on by default),
 * {@code application/problem+json} for every ConsentKit exception (403 for {@code ConsentDeniedException}, 400 for
 * invalid input, ...), and the REST endpoints
 * ({@code consentkit.web.enabled}, off by default).
 */
@AutoConfiguration(
        after = ConsentKitAutoConfiguration.class,
        afterName = "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({DispatcherServlet.class, FilterRegistrationBean.class})
@ConditionalOnBean(ConsentManager.class)
@Import(ConsentEndpointsConfiguration.class)
public final class ConsentKitWebAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    ConsentSubjectResolver consentSubjectResolver() {
        return ConsentSubjectResolver.principalName();
    }

    @Bean
    @ConditionalOnMissingBean
    ConsentProblemHandler consentProblemHandler() {
        return new ConsentProblemHandler();
    }

    /** The GPC filter, after Spring Security's filter chain so that the principal is known. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBooleanProperty(name = "consentkit.web.gpc.enabled", matchIfMissing = true)
    static final class GpcConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "consentGlobalPrivacyControlFilter")
        FilterRegistrationBean<GlobalPrivacyControlFilter> consentGlobalPrivacyControlFilter(
                ConsentManager consents, ConsentSubjectResolver subjects, ConsentKitProperties properties) {
            ConsentKitProperties.Gpc gpc = properties.web().gpc();
            FilterRegistrationBean<GlobalPrivacyControlFilter> registration = new FilterRegistrationBean<>(
                    new GlobalPrivacyControlFilter(consents, subjects, gpc.collectionPoint()));
            registration.setName("consentGlobalPrivacyControlFilter");
            registration.setOrder(gpc.filterOrder());
            return registration;
        }
    }
}
