package dev.consentkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.consentkit.core.spi.ConsentStore;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The caching store is a decorator: a store method it does not override would silently answer with the SPI's
 * default instead of the wrapped store's own (a database store's checkpoint list, say). Every method of
 * {@link ConsentStore} must therefore be declared by {@link CachingConsentStore} itself.
 */
class CachingConsentStoreDelegationTest {

    @Test
    void everyStoreMethodIsOverriddenSoNoneFallsBackToTheDefault() throws Exception {
        List<String> missing = new ArrayList<>();
        for (Method m : ConsentStore.class.getMethods()) {
            if (m.isSynthetic() || java.lang.reflect.Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            Method impl = CachingConsentStore.class.getMethod(m.getName(), m.getParameterTypes());
            if (impl.getDeclaringClass() != CachingConsentStore.class) {
                missing.add(m.getName());
            }
        }
        assertThat(missing).isEmpty();
    }
}
