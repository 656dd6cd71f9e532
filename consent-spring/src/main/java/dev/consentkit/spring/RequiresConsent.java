package dev.consentkit.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs the annotated method (or every public method of the annotated class) only if the subject's data may be
 * processed for {@link #purpose()} now. Enforced by a Spring AOP advisor on Spring beans; no AspectJ needed.
 *
 * <pre>{@code
 * @RequiresConsent(purpose = "marketing.email", subject = "#customer.id")
 * public void sendNewsletter(Customer customer) { ... }
 *
 * @RequiresConsent(purpose = "ads.sale", subject = "#customerId", onDenied = RequiresConsent.OnDenied.SKIP)
 * public Optional<Offer> partnerOffer(String customerId) { ... }   // Optional.empty() when not allowed
 * }</pre>
 *
 * <p>A purpose that is not declared fails the application's start-up. A method annotation wins over the class's.
 * As with every Spring proxy, calls from inside the same bean ({@code this.method()}) are not intercepted.
 */
@Target({ElementType.METHOD, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Documented
public @interface RequiresConsent {

    /** The declared purpose the processing is for, for example {@code marketing.email}. */
    String purpose();

    /**
     * A SpEL expression over the method's arguments that gives the subject id: {@code #customerId},
     * {@code #order.customer.id}, {@code #p0}; {@code @bean} references are resolved. A non-string result is
     * turned into a string; {@code null} is refused. Empty (the default): the name of the principal Spring
     * Security authenticated on the calling thread; refused when there is none.
     */
    String subject() default "";

    /** What happens when processing is not allowed; by default a {@link dev.consentkit.core.ConsentDeniedException}. */
    OnDenied onDenied() default OnDenied.THROW;

    /** What a denied call does. */
    enum OnDenied {
        /** Throw {@link dev.consentkit.core.ConsentDeniedException}, carrying the decision. */
        THROW,
        /**
         * Skip the method and return nothing: {@code null} for {@code void} and object types, an empty
         * {@code Optional}, collection, map or stream for those types. Not allowed on methods returning a primitive.
         */
        SKIP
    }
}
