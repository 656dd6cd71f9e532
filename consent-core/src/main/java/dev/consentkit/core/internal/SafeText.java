package dev.consentkit.core.internal;

import jakarta.validation.Constraint;
import jakarta.validation.Payload;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Internal API; may change without notice. A single-line, non-blank text of at most {@link #max()}
 * characters of well-formed UTF-16 (no unpaired surrogate) without control characters. {@code null} is valid (combine with {@code @NotNull}).
 */
@Documented
@Constraint(validatedBy = TextValidators.SafeTextValidator.class)
@Target({
    ElementType.FIELD,
    ElementType.METHOD,
    ElementType.PARAMETER,
    ElementType.TYPE_USE,
    ElementType.RECORD_COMPONENT
})
@Retention(RetentionPolicy.RUNTIME)
public @interface SafeText {

    /** The longest accepted text. */
    int max() default 255;

    /** Whether line breaks and tabs are accepted (free text such as a comment). */
    boolean multiline() default false;

    String message() default "must be 1..{max} characters of well-formed text without control characters";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};
}
