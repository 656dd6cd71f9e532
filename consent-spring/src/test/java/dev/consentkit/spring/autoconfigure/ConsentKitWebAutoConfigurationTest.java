package dev.consentkit.spring.autoconfigure;

import dev.consentkit.core.ConsentManager;
import dev.consentkit.spring.web.ConsentDeniedExceptionHandler;
import dev.consentkit.spring.web.ConsentRestController;
import dev.consentkit.spring.web.ConsentSubjectResolver;
import dev.consentkit.spring.web.GlobalPrivacyControlFilter;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

class ConsentKitWebAutoConfigurationTest {

    private final WebApplicationContextRunner web = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ConsentKitAutoConfiguration.class,
                    ConsentKitWebAutoConfiguration.class, WebMvcAutoConfiguration.class,
                    DispatcherServletAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class,
                    JacksonAutoConfiguration.class))
            .withPropertyValues(ConsentKitAutoConfigurationTest.TWO_PURPOSES);

    @Test
    void byDefaultTheGpcFilterAndTheProblemHandlerAreOnAndTheEndpointsOff() {
        web.run(context -> {
            assertThat(context).hasSingleBean(ConsentSubjectResolver.class);
            assertThat(context).hasSingleBean(ConsentDeniedExceptionHandler.class);
            assertThat(context.getBean("consentGlobalPrivacyControlFilter", FilterRegistrationBean.class)
                    .getFilter()).isInstanceOf(GlobalPrivacyControlFilter.class);
            assertThat(context).doesNotHaveBean(ConsentRestController.class);
        });
    }

    @Test
    void theGpcFilterCanBeSwitchedOff() {
        web.withPropertyValues("consentkit.web.gpc.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean("consentGlobalPrivacyControlFilter"));
    }

    @Test
    void theApplicationsSubjectResolverIsUsed() {
        ConsentSubjectResolver own = request -> Optional.of("from-cookie");
        web.withBean(ConsentSubjectResolver.class, () -> own)
                .run(context -> assertThat(context.getBean(ConsentSubjectResolver.class)).isSameAs(own));
    }

    @Test
    void outsideAWebApplicationNothingWebIsConfigured() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ConsentKitAutoConfiguration.class,
                        ConsentKitWebAutoConfiguration.class))
                .withPropertyValues(ConsentKitAutoConfigurationTest.TWO_PURPOSES)
                .withPropertyValues("consentkit.web.enabled=true").run(context -> {
                    assertThat(context).hasSingleBean(ConsentManager.class);
                    assertThat(context).doesNotHaveBean(ConsentSubjectResolver.class);
                    assertThat(context).doesNotHaveBean(ConsentRestController.class);
                });
    }

    @Test
    void withSpringSecurityTheEndpointsStart() {
        web.withPropertyValues("consentkit.web.enabled=true")
                .run(context -> assertThat(context).hasSingleBean(ConsentRestController.class));
    }

    @Test
    void withoutSpringSecurityTheEndpointsRefuseToStart() {
        web.withClassLoader(new FilteredClassLoader(SecurityContextHolder.class))
                .withPropertyValues("consentkit.web.enabled=true")
                .run(context -> assertThat(context).getFailure()
                        .hasMessageContaining("consentkit.web.enabled=true needs Spring Security")
                        .hasMessageContaining("consentkit.web.allow-unauthenticated=true"));
    }

    @Test
    void withoutSpringSecurityTheEndpointsOpenOnlyWhenAskedTo() {
        web.withClassLoader(new FilteredClassLoader(SecurityContextHolder.class))
                .withPropertyValues("consentkit.web.enabled=true", "consentkit.web.allow-unauthenticated=true",
                        "consentkit.web.base-path=/api/consents")
                .run(context -> {
                    MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
                    mvc.perform(get("/api/consents/subjects/cust-1/decisions"))
                            .andExpect(status().isOk())
                            .andExpect(jsonPath("$.decisions[?(@.purpose == 'ads.sale')].reason")
                                    .value("NOT_OBJECTED"));
                });
    }
}
