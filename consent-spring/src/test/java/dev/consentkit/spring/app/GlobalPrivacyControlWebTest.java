package dev.consentkit.spring.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.user;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ConsentStatus;
import dev.consentkit.core.DecisionReason;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.Source;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

@SpringBootTest
@AutoConfigureMockMvc
class GlobalPrivacyControlWebTest {

    @Autowired
    MockMvc mvc;

    @Autowired
    ConsentManager consents;

    @Test
    void aGpcSignalOptsTheAuthenticatedSubjectOutOfSaleOrSharePurposesOnce() throws Exception {
        String subject = "cust-" + UUID.randomUUID();
        consents.record(ConsentCommand.grant(subject, "ads.sale").build());

        mvc.perform(get("/app/page")
                        .header("Sec-GPC", "1")
                        .header("User-Agent", "TestBrowser/1")
                        .with(user(subject)))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.gpcRecords").value(2));

        List<ConsentRecord> written = history(subject)
                .filter(r -> r.status() == ConsentStatus.OPTED_OUT)
                .toList();
        assertThat(written)
                .extracting(r -> r.purpose().value())
                .containsExactlyInAnyOrder("ads.sale", "analytics.share");
        assertThat(written).allSatisfy(r -> {
            assertThat(r.evidence().source()).isEqualTo(Source.GPC_SIGNAL);
            assertThat(r.evidence().userAgent()).contains("TestBrowser/1");
            assertThat(r.evidence().ipAddress())
                    .as("truncated by the default policy")
                    .contains("127.0.0.0");
        });
        assertThat(written)
                .filteredOn(r -> r.purpose().value().equals("ads.sale"))
                .singleElement()
                .satisfies(r -> assertThat(r.conflict())
                        .as("it overrides an explicit grant")
                        .isTrue());
        assertThat(consents.check(subject, "ads.sale").reason()).isEqualTo(DecisionReason.OPTED_OUT);
        assertThat(consents.check(subject, "marketing.email").reason()).isEqualTo(DecisionReason.NO_RECORD);

        mvc.perform(get("/app/page").header("Sec-GPC", "1").with(user(subject)))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.gpcRecords").value(0));
        assertThat(history(subject).count())
                .as("a repeated signal writes nothing")
                .isEqualTo(3);
    }

    @Test
    void withoutTheSignalOrWithoutASubjectNothingIsRecorded() throws Exception {
        String subject = "cust-" + UUID.randomUUID();
        mvc.perform(get("/app/page").with(user(subject)))
                .andExpect(jsonPath("$.gpcRecords").value(-1));
        mvc.perform(get("/app/page").header("Sec-GPC", "0").with(user(subject)))
                .andExpect(jsonPath("$.gpcRecords").value(-1));
        mvc.perform(get("/app/page").header("Sec-GPC", "1"))
                .andExpect(jsonPath("$.gpcRecords").value(-1));
        assertThat(history(subject).count()).isZero();
    }

    @Test
    void aDeniedCallBecomes403ProblemJson() throws Exception {
        String subject = "cust-" + UUID.randomUUID();
        mvc.perform(get("/app/newsletter/{id}", subject).with(user(subject)))
                .andExpect(status().isForbidden())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.status").value(403))
                .andExpect(jsonPath("$.type").value("https://consentkit.dev/problems/consent-denied"))
                .andExpect(jsonPath("$.purpose").value("marketing.email"))
                .andExpect(jsonPath("$.reason").value("NO_RECORD"))
                .andExpect(jsonPath("$.detail")
                        .value(org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString(subject))));
        consents.record(ConsentCommand.grant(subject, "marketing.email").build());
        mvc.perform(get("/app/newsletter/{id}", subject).with(user(subject)))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.result").value("sent"));
    }

    private Stream<ConsentRecord> history(String subject) {
        try (Stream<ConsentRecord> s = consents.history(HistoryQuery.forSubject(subject))) {
            return s.toList().stream();
        }
    }
}
