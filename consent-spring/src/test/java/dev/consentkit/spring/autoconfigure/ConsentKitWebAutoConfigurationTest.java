package dev.consentkit.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.spring.web.ConsentAccessPolicy;
import dev.consentkit.spring.web.ConsentProblemHandler;
import dev.consentkit.spring.web.ConsentRestController;
import dev.consentkit.spring.web.ConsentSubjectResolver;
import dev.consentkit.spring.web.GlobalPrivacyControlFilter;
import java.util.List;
import java.util.Optional;
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
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.security.authentication.TestingAuthenticationToken;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

class ConsentKitWebAutoConfigurationTest {

    private final WebApplicationContextRunner web = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    ConsentKitAutoConfiguration.class,
                    ConsentKitWebAutoConfiguration.class,
                    WebMvcAutoConfiguration.class,
                    DispatcherServletAutoConfiguration.class,
                    HttpMessageConvertersAutoConfiguration.class,
                    JacksonAutoConfiguration.class))
            .withPropertyValues(ConsentKitAutoConfigurationTest.TWO_PURPOSES);

    @Test
    void byDefaultTheGpcFilterAndTheProblemHandlerAreOnAndTheEndpointsOff() {
        web.run(context -> {
            assertThat(context).hasSingleBean(ConsentSubjectResolver.class);
            assertThat(context).hasSingleBean(ConsentProblemHandler.class);
            assertThat(context.getBean("consentGlobalPrivacyControlFilter", FilterRegistrationBean.class)
                            .getFilter())
                    .isInstanceOf(GlobalPrivacyControlFilter.class);
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
                .run(context -> assertThat(context.getBean(ConsentSubjectResolver.class))
                        .isSameAs(own));
    }

    @Test
    void outsideAWebApplicationNothingWebIsConfigured() {
        new ApplicationContextRunner()
                .withConfiguration(
                        AutoConfigurations.of(ConsentKitAutoConfiguration.class, ConsentKitWebAutoConfiguration.class))
                .withPropertyValues(ConsentKitAutoConfigurationTest.TWO_PURPOSES)
                .withPropertyValues("consentkit.web.enabled=true")
                .run(context -> {
                    assertThat(context).hasSingleBean(ConsentManager.class);
                    assertThat(context).doesNotHaveBean(ConsentSubjectResolver.class);
                    assertThat(context).doesNotHaveBean(ConsentRestController.class);
                });
    }

    @Test
    void theGpcFilterRecordsWithTheConfiguredCollectionPointAndRunsInTheConfiguredOrder() {
        web.withPropertyValues("consentkit.web.gpc.collection-point=gpc-v2", "consentkit.web.gpc.filter-order=5")
                .run(context -> {
                    FilterRegistrationBean<?> registration =
                            context.getBean("consentGlobalPrivacyControlFilter", FilterRegistrationBean.class);
                    assertThat(registration.getOrder()).isEqualTo(5);
                    MockHttpServletRequest request = new MockHttpServletRequest("GET", "/page");
                    request.addHeader("Sec-GPC", "1");
                    request.setUserPrincipal(() -> "cust-7");
                    registration.getFilter().doFilter(request, new MockHttpServletResponse(), new MockFilterChain());
                    List<ConsentRecord> written = context.getBean(ConsentManager.class)
                            .history(HistoryQuery.forSubject("cust-7"))
                            .toList();
                    assertThat(written).singleElement().satisfies(r -> {
                        assertThat(r.purpose().value()).isEqualTo("ads.sale");
                        assertThat(r.evidence().collectionPoint()).isEqualTo("gpc-v2");
                    });
                });
    }

    @Test
    void theAuthoritiesAreConfigurable() {
        web.withPropertyValues(
                        "consentkit.web.enabled=true",
                        "consentkit.web.auditor-authority=ROLE_DPO",
                        "consentkit.web.admin-authority=ROLE_SUPPORT")
                .run(context -> {
                    ConsentAccessPolicy policy = context.getBean(ConsentAccessPolicy.class);
                    try {
                        SecurityContextHolder.getContext()
                                .setAuthentication(new TestingAuthenticationToken("dpo-1", "n/a", "ROLE_DPO"));
                        ConsentAccessPolicy.Caller dpo = policy.caller(new MockHttpServletRequest());
                        assertThat(dpo.name()).isEqualTo("dpo-1");
                        assertThat(dpo.mayAudit()).isTrue();
                        assertThat(dpo.mayRead("cust-1")).isTrue();
                        assertThat(dpo.mayWrite("cust-1")).isFalse();
                        SecurityContextHolder.getContext()
                                .setAuthentication(new TestingAuthenticationToken("support-1", "n/a", "ROLE_SUPPORT"));
                        assertThat(policy.caller(new MockHttpServletRequest()).mayWrite("cust-1"))
                                .isTrue();
                        SecurityContextHolder.getContext()
                                .setAuthentication(
                                        new TestingAuthenticationToken("old-auditor", "n/a", "CONSENT_AUDITOR"));
                        assertThat(policy.caller(new MockHttpServletRequest()).mayAudit())
                                .isFalse();
                    } finally {
                        SecurityContextHolder.clearContext();
                    }
                });
    }

    @Test
    void theApplicationsAccessPolicyDecidesWhoMayCall() {
        ConsentAccessPolicy gateway =
                request -> new ConsentAccessPolicy.Caller(request.getHeader("X-User"), false, false, false);
        web.withBean(ConsentAccessPolicy.class, () -> gateway)
                .withPropertyValues("consentkit.web.enabled=true")
                .run(context -> {
                    assertThat(context.getBean(ConsentAccessPolicy.class)).isSameAs(gateway);
                    MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
                    mvc.perform(get("/consentkit/subjects/cust-1/decisions").header("X-User", "cust-1"))
                            .andExpect(status().isOk());
                    mvc.perform(get("/consentkit/subjects/cust-1/decisions").header("X-User", "cust-2"))
                            .andExpect(status().isForbidden())
                            .andExpect(jsonPath("$.type").value(ConsentProblemHandler.TYPE_BASE + "access-denied"));
                });
    }

    @Test
    void theApplicationsProblemHandlerReplacesConsentKits() {
        ConsentProblemHandler own = new ConsentProblemHandler();
        web.withBean(ConsentProblemHandler.class, () -> own)
                .run(context ->
                        assertThat(context.getBean(ConsentProblemHandler.class)).isSameAs(own));
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
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasMessageContaining("consentkit.web.enabled=true needs Spring Security")
                        .hasMessageContaining("consentkit.web.allow-unauthenticated=true"));
    }

    @Test
    void withoutSpringSecurityTheEndpointsOpenOnlyWhenAskedTo() {
        web.withClassLoader(new FilteredClassLoader(SecurityContextHolder.class))
                .withPropertyValues(
                        "consentkit.web.enabled=true",
                        "consentkit.web.allow-unauthenticated=true",
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
