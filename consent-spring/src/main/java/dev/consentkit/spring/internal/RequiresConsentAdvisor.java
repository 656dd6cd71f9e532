package dev.consentkit.spring.internal;

import java.lang.reflect.Method;
import org.aopalliance.aop.Advice;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.Pointcut;
import org.springframework.aop.support.AbstractPointcutAdvisor;
import org.springframework.aop.support.StaticMethodMatcherPointcut;

/**
 * Applies the {@link RequiresConsentInterceptor} to every method that a {@code @RequiresConsent} covers.
 * Internal API; may change without notice.
 */
public final class RequiresConsentAdvisor extends AbstractPointcutAdvisor {

    private static final long serialVersionUID = 1L;

    private final transient RequiresConsentInterceptor interceptor;
    private final transient Pointcut pointcut = new StaticMethodMatcherPointcut() {
        @Override
        public boolean matches(Method method, @Nullable Class<?> targetClass) {
            return RequiresConsentSupport.find(method, targetClass) != null;
        }
    };

    public RequiresConsentAdvisor(RequiresConsentInterceptor interceptor) {
        this.interceptor = interceptor;
    }

    @Override
    public Pointcut getPointcut() {
        return pointcut;
    }

    @Override
    public Advice getAdvice() {
        return interceptor;
    }
}
