package dev.consentkit.spring.internal;

import dev.consentkit.spring.RequiresConsent;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.support.AopUtils;
import org.springframework.core.annotation.AnnotatedElementUtils;

/** Finds the {@link RequiresConsent} that applies to a method, and the value a skipped call returns. */
final class RequiresConsentSupport {

    private RequiresConsentSupport() {}

    /** The annotation on the method (or the method it implements), else on its class; null if neither. */
    static @Nullable RequiresConsent find(Method method, @Nullable Class<?> targetClass) {
        if (method.getDeclaringClass() == Object.class) {
            return null;
        }
        Method specific = targetClass == null ? method : AopUtils.getMostSpecificMethod(method, targetClass);
        RequiresConsent onMethod = AnnotatedElementUtils.findMergedAnnotation(specific, RequiresConsent.class);
        if (onMethod != null) {
            return onMethod;
        }
        if (!Modifier.isPublic(method.getModifiers())) {
            return null;
        }
        Class<?> type = targetClass != null ? targetClass : method.getDeclaringClass();
        return AnnotatedElementUtils.findMergedAnnotation(type, RequiresConsent.class);
    }

    /** True if a skipped call can return nothing for this return type. */
    static boolean canSkip(Class<?> returnType) {
        return returnType == void.class || !returnType.isPrimitive();
    }

    /** What a skipped call returns. */
    static @Nullable Object emptyValue(Class<?> type) {
        if (type == Optional.class) {
            return Optional.empty();
        }
        if (type == List.class || type == Collection.class || type == Iterable.class) {
            return List.of();
        }
        if (type == SortedSet.class || type == java.util.NavigableSet.class) {
            return new java.util.TreeSet<>();
        }
        if (type == Set.class) {
            return Set.of();
        }
        if (type == SortedMap.class || type == java.util.NavigableMap.class) {
            return new java.util.TreeMap<>();
        }
        if (type == Map.class) {
            return Map.of();
        }
        if (type == Stream.class) {
            return Stream.empty();
        }
        return null;
    }
}
