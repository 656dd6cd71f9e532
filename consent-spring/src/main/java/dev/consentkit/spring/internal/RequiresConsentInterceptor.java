package dev.consentkit.spring.internal;

import dev.consentkit.core.ConsentDecision;
import dev.consentkit.core.ConsentDeniedException;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.InvalidConsentRequestException;
import dev.consentkit.spring.RequiresConsent;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.expression.BeanFactoryResolver;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.MethodClassKey;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.Expression;
import org.springframework.expression.spel.standard.SpelExpressionParser;

/**
 * Enforces {@link RequiresConsent}: evaluates the subject expression over the arguments, checks, and proceeds,
 * throws {@link ConsentDeniedException} or skips the call. Internal API; may change without notice.
 */
public final class RequiresConsentInterceptor implements MethodInterceptor {

    private static final SpelExpressionParser PARSER = new SpelExpressionParser();
    private static final ParameterNameDiscoverer NAMES = new DefaultParameterNameDiscoverer();
    private static final Target NOT_ANNOTATED = new Target(null, null, "");

    private final ObjectProvider<ConsentManager> consents;
    private final @Nullable BeanFactory beanFactory;
    private final Map<MethodClassKey, Target> targets = new ConcurrentHashMap<>();

    public RequiresConsentInterceptor(ObjectProvider<ConsentManager> consents, @Nullable BeanFactory beanFactory) {
        this.consents = consents;
        this.beanFactory = beanFactory;
    }

    @Override
    public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
        Object self = invocation.getThis();
        Class<?> targetClass = self == null ? null : AopUtils.getTargetClass(self);
        Method method = invocation.getMethod();
        Target target = targets.computeIfAbsent(new MethodClassKey(method, targetClass), k -> {
            RequiresConsent annotation = RequiresConsentSupport.find(method, targetClass);
            return annotation == null
                    ? NOT_ANNOTATED
                    : new Target(
                            annotation,
                            annotation.subject().isEmpty() ? null : parse(annotation.subject(), method),
                            method.getDeclaringClass().getSimpleName() + "." + method.getName());
        });
        if (target.annotation == null) {
            return invocation.proceed();
        }
        Object subject;
        if (target.subject == null) {
            subject = AuthenticatedSubject.name();
            if (subject == null) {
                throw InvalidConsentRequestException.of(
                        "subject",
                        "no authenticated subject for the " + "@RequiresConsent of " + target.where
                                + " (it has no subject expression)");
            }
        } else {
            MethodBasedEvaluationContext context =
                    new MethodBasedEvaluationContext(self, method, invocation.getArguments(), NAMES);
            if (beanFactory != null) {
                context.setBeanResolver(new BeanFactoryResolver(beanFactory));
            }
            subject = target.subject.getValue(context);
            if (subject == null) {
                throw InvalidConsentRequestException.of(
                        "subject", "must not be null (the @RequiresConsent subject of " + target.where + ")");
            }
        }
        ConsentDecision decision = consents.getObject().check(subject.toString(), target.annotation.purpose());
        if (decision.allowed()) {
            return invocation.proceed();
        }
        if (target.annotation.onDenied() == RequiresConsent.OnDenied.SKIP) {
            return RequiresConsentSupport.emptyValue(method.getReturnType());
        }
        throw new ConsentDeniedException(decision);
    }

    static Expression parse(String expression, Method method) {
        try {
            return PARSER.parseExpression(expression);
        } catch (org.springframework.expression.ParseException e) {
            throw new IllegalStateException(
                    "@RequiresConsent on " + method.getDeclaringClass().getName() + "." + method.getName()
                            + ": the subject expression does not parse: " + e.getMessage(),
                    e);
        }
    }

    private record Target(
            @Nullable RequiresConsent annotation, @Nullable Expression subject, String where) {}
}
