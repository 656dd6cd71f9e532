package dev.consentkit.spring.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Configuration;

/** The REST endpoints, on with {@code consentkit.web.enabled=true}. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty(name = "consentkit.web.enabled")
final class ConsentEndpointsConfiguration {
}
