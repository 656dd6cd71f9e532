package dev.consentkit.spring.autoconfigure;

import dev.consentkit.core.ConsentManager;
import dev.consentkit.spring.internal.RequiresConsentAdvisor;
import dev.consentkit.spring.internal.RequiresConsentInterceptor;
import dev.consentkit.spring.internal.RequiresConsentVerifier;
import org.springframework.aop.config.AopConfigUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * {@code @RequiresConsent}: an infrastructure advisor picked up by Spring's auto-proxy creator (registered here if
 * the application has none; class-based proxies unless {@code spring.aop.proxy-target-class=false}, as in Spring
 * Boot), and a check at start-up that every annotation names a declared purpose.
 */
@Configuration(proxyBeanMethods = false)
@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
@Import(RequiresConsentConfiguration.AutoProxyRegistrar.class)
final class RequiresConsentConfiguration {

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    @ConditionalOnMissingBean
    static RequiresConsentAdvisor requiresConsentAdvisor(
            ObjectProvider<ConsentManager> consents, BeanFactory beanFactory) {
        return new RequiresConsentAdvisor(new RequiresConsentInterceptor(consents, beanFactory));
    }

    @Bean
    @ConditionalOnMissingBean
    static RequiresConsentVerifier requiresConsentVerifier(
            ConfigurableListableBeanFactory beanFactory, ObjectProvider<ConsentManager> consents) {
        return new RequiresConsentVerifier(beanFactory, consents);
    }

    /** Registers Spring's infrastructure auto-proxy creator unless a stronger one is already there. */
    static final class AutoProxyRegistrar implements ImportBeanDefinitionRegistrar, EnvironmentAware {

        private boolean proxyTargetClass = true;

        @Override
        public void setEnvironment(Environment environment) {
            proxyTargetClass = environment.getProperty("spring.aop.proxy-target-class", Boolean.class, true);
        }

        @Override
        public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
            AopConfigUtils.registerAutoProxyCreatorIfNecessary(registry);
            if (proxyTargetClass) {
                AopConfigUtils.forceAutoProxyCreatorToUseClassProxying(registry);
            }
        }
    }
}
