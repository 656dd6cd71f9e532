package dev.consentkit.spring.app;

import dev.consentkit.core.ConsentRecord;
import dev.consentkit.spring.RequiresConsent;
import dev.consentkit.spring.web.GlobalPrivacyControlFilter;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Map;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.stereotype.Service;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** A small application for the web tests: HTTP Basic, a service guarded by @RequiresConsent, a GPC probe. */
@SpringBootApplication
public class TestApplication {

    @Bean
    SecurityFilterChain security(HttpSecurity http) throws Exception {
        // ConsentKit's endpoints check access themselves; the application only authenticates
        return http.authorizeHttpRequests(a -> a.anyRequest().permitAll())
                .httpBasic(Customizer.withDefaults())
                .csrf(c -> c.disable())
                .build();
    }

    /** A service whose method needs consent. */
    @Service
    public static class Newsletter {
        @RequiresConsent(purpose = "marketing.email", subject = "#customerId")
        public String send(String customerId) {
            return "sent";
        }
    }

    /** Endpoints of the application itself. */
    @RestController
    public static class AppController {
        private final Newsletter newsletter;

        AppController(Newsletter newsletter) {
            this.newsletter = newsletter;
        }

        @GetMapping("/app/newsletter/{customerId}")
        Map<String, String> newsletter(@PathVariable String customerId) {
            return Map.of("result", newsletter.send(customerId));
        }

        @GetMapping("/app/page")
        Map<String, Object> page(HttpServletRequest request) {
            @SuppressWarnings("unchecked")
            List<ConsentRecord> records =
                    (List<ConsentRecord>) request.getAttribute(GlobalPrivacyControlFilter.RECORDS_ATTRIBUTE);
            return Map.of("gpcRecords", records == null ? -1 : records.size());
        }
    }
}
