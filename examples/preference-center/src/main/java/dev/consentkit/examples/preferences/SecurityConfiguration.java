package dev.consentkit.examples.preferences;

import java.util.ArrayList;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AuthenticationSuccessHandler;

/**
 * Form login with in-memory demo users: customers see the preference centre, the marketer the newsletter, the
 * auditor the audit page. The signed-in customer's name is the ConsentKit subject id.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    static final String CUSTOMER = "CUSTOMER";
    static final String MARKETER = "MARKETER";
    static final String AUDITOR = "AUDITOR";

    @Bean
    SecurityFilterChain securityFilterChain(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests(requests -> requests.requestMatchers("/", "/login", "/css/**", "/error")
                        .permitAll()
                        .requestMatchers("/preferences/**")
                        .hasRole(CUSTOMER)
                        .requestMatchers("/newsletter/**")
                        .hasRole(MARKETER)
                        .requestMatchers("/audit/**")
                        .hasRole(AUDITOR)
                        .anyRequest()
                        .authenticated())
                .formLogin(form ->
                        form.loginPage("/login").successHandler(homeByRole()).permitAll())
                .logout(logout -> logout.logoutSuccessUrl("/login?logout").permitAll());
        return http.build();
    }

    /** After signing in, each role lands on its own page. */
    private static AuthenticationSuccessHandler homeByRole() {
        return (request, response, authentication) -> {
            var roles = authentication.getAuthorities().stream()
                    .map(a -> a.getAuthority())
                    .toList();
            String target = roles.contains("ROLE_" + AUDITOR)
                    ? "/audit"
                    : roles.contains("ROLE_" + MARKETER) ? "/newsletter" : "/preferences";
            response.sendRedirect(request.getContextPath() + target);
        };
    }

    @Bean
    InMemoryUserDetailsManager demoUsers() {
        List<UserDetails> users = new ArrayList<>();
        for (String customer : DemoUsers.SIGN_IN_CUSTOMERS) {
            users.add(user(customer, CUSTOMER));
        }
        users.add(user(DemoUsers.MARKETER, MARKETER));
        users.add(user(DemoUsers.AUDITOR, AUDITOR));
        return new InMemoryUserDetailsManager(users);
    }

    private static UserDetails user(String name, String role) {
        // {noop}: the demo's passwords are printed on the login page anyway; real applications hash them.
        return User.withUsername(name)
                .password("{noop}" + DemoUsers.PASSWORD)
                .roles(role)
                .build();
    }
}
