package dev.consentkit.core.internal;

import jakarta.validation.Constraint;
import jakarta.validation.Payload;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Internal API; may change without notice. An IPv4 or IPv6 address literal. Never resolves names:
 * validation makes no network call. {@code null} is valid.
 */
@Documented
@Constraint(validatedBy = TextValidators.IpAddressValidator.class)
@Target({
    ElementType.FIELD,
    ElementType.METHOD,
    ElementType.PARAMETER,
    ElementType.TYPE_USE,
    ElementType.RECORD_COMPONENT
})
@Retention(RetentionPolicy.RUNTIME)
public @interface IpAddress {

    String message() default "must be an IPv4 or IPv6 address literal";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};
}
