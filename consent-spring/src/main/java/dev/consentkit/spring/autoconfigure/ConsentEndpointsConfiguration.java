package dev.consentkit.spring.autoconfigure;

import dev.consentkit.core.ConsentManager;
import dev.consentkit.spring.internal.OpenAccessPolicy;
import dev.consentkit.spring.internal.SpringSecurityAccessPolicy;
import dev.consentkit.spring.web.ConsentAccessPolicy;
import dev.consentkit.spring.web.ConsentRestController;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * The REST endpoints, on with {@code consentkit.web.enabled=true}. With Spring Security on the class path the
 * caller and its authorities come from the security context; without it the endpoints refuse to start unless
 * {@code consentkit.web.allow-unauthenticated=true}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty(name = "consentkit.web.enabled")
@Import({
    ConsentEndpointsConfiguration.SecuredConfiguration.class,
    ConsentEndpointsConfiguration.UnsecuredConfiguration.class
})
final class ConsentEndpointsConfiguration {

    @Bean
    @ConditionalOnMissingBean
    ConsentRestController consentRestController(ConsentManager consents, ConsentAccessPolicy access) {
        return new ConsentRestController(consents, access);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.security.core.context.SecurityContextHolder")
    static final class SecuredConfiguration {

        @Bean
        @ConditionalOnMissingBean
        ConsentAccessPolicy consentAccessPolicy(ConsentKitProperties properties) {
            return new SpringSecurityAccessPolicy(
                    properties.web().auditorAuthority(), properties.web().adminAuthority());
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingClass("org.springframework.security.core.context.SecurityContextHolder")
    static final class UnsecuredConfiguration {

        @Bean
        @ConditionalOnMissingBean
        ConsentAccessPolicy consentAccessPolicy(ConsentKitProperties properties) {
            if (!properties.web().allowUnauthenticated()) {
                throw new IllegalStateException("consentkit.web.enabled=true needs Spring Security on the class path "
                        + "to tell who may read and change which choices; add it, or set "
                        + "consentkit.web.allow-unauthenticated=true to open the endpoints to every caller");
            }
            return new OpenAccessPolicy();
        }
    }
}
