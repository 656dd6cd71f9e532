package dev.consentkit.spring.app;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.test.web.servlet.MockMvc;

@SpringBootTest
@AutoConfigureMockMvc
class ActuatorWebTest {

    @Autowired
    MockMvc mvc;

    @Autowired
    ConsentManager consents;

    @Test
    void theConsentkitEndpointAndHealthAreExposed() throws Exception {
        consents.record(ConsentCommand.grant("cust-" + UUID.randomUUID(), "marketing.email")
                .build());
        mvc.perform(post("/actuator/consentkit"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.intact").value(true));
        mvc.perform(get("/actuator/consentkit"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.store").value("JdbcConsentStore"))
                .andExpect(jsonPath("$.purposes[?(@.id == 'ads.sale')].saleOrShare")
                        .value(true))
                .andExpect(jsonPath("$.recordsSinceStartup['marketing.email'].GRANTED")
                        .isNumber())
                .andExpect(jsonPath("$.lastVerification.intact").value(true));
        mvc.perform(get("/actuator/health"))
                .andExpect(jsonPath("$.components.consentkit.status").value("UP"))
                .andExpect(jsonPath("$.components.consentkit.details.store").value("JdbcConsentStore"));
    }
}
