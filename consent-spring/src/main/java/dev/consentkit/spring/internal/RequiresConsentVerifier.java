package dev.consentkit.spring.internal;

import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.InvalidConsentRequestException;
import dev.consentkit.core.PurposeId;
import dev.consentkit.spring.RequiresConsent;
import java.lang.reflect.Method;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Fails the start-up when a bean's {@link RequiresConsent} names an undeclared purpose, has a subject expression
 * that does not parse, or asks to skip a method returning a primitive. Internal API; may change without notice.
 */
public final class RequiresConsentVerifier implements SmartInitializingSingleton {

    private final ConfigurableListableBeanFactory beanFactory;
    private final ObjectProvider<ConsentManager> consents;

    public RequiresConsentVerifier(
            ConfigurableListableBeanFactory beanFactory, ObjectProvider<ConsentManager> consents) {
        this.beanFactory = beanFactory;
        this.consents = consents;
    }

    @Override
    public void afterSingletonsInstantiated() {
        ConsentManager manager = consents.getIfAvailable();
        if (manager == null) {
            return;
        }
        Set<Class<?>> seen = new HashSet<>();
        for (String name : beanFactory.getBeanDefinitionNames()) {
            Class<?> type = beanFactory.getType(name, false);
            if (type == null) {
                continue;
            }
            type = ClassUtils.getUserClass(type);
            if (seen.add(type) && AnnotationUtils.isCandidateClass(type, RequiresConsent.class)) {
                verify(type, manager);
            }
        }
    }

    /** Checks every method of {@code type} a {@code @RequiresConsent} covers. */
    static void verify(Class<?> type, ConsentManager manager) {
        for (Method method : ReflectionUtils.getUniqueDeclaredMethods(type, ReflectionUtils.USER_DECLARED_METHODS)) {
            RequiresConsent annotation = RequiresConsentSupport.find(method, type);
            if (annotation == null) {
                continue;
            }
            String where = "@RequiresConsent on " + type.getName() + "." + method.getName();
            String purpose = annotation.purpose();
            boolean declared;
            try {
                declared = manager.purposes().contains(PurposeId.of(purpose));
            } catch (InvalidConsentRequestException e) {
                throw new IllegalStateException(where + ": purpose '" + purpose + "' is malformed", e);
            }
            if (!declared) {
                throw new IllegalStateException(where + ": purpose '" + purpose + "' is not declared (declared: "
                        + manager.purposes().currentPurposes().stream()
                                .map(p -> p.id().value())
                                .collect(Collectors.joining(", "))
                        + "); add it to consentkit.purposes");
            }
            if (!annotation.subject().isEmpty()) {
                RequiresConsentInterceptor.parse(annotation.subject(), method);
            }
            if (annotation.onDenied() == RequiresConsent.OnDenied.SKIP
                    && !RequiresConsentSupport.canSkip(method.getReturnType())) {
                throw new IllegalStateException(where + ": onDenied = SKIP needs a method that returns void or an "
                        + "object, not " + method.getReturnType().getName());
            }
        }
    }
}
