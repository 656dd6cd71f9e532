package dev.consentkit.spring.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.user;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.HistoryQuery;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.RequestPostProcessor;

@SpringBootTest
@AutoConfigureMockMvc
class ConsentEndpointsWebTest {

    @Autowired
    MockMvc mvc;

    @Autowired
    ConsentManager consents;

    private final String subject = "cust-" + UUID.randomUUID();

    static RequestPostProcessor auditor() {
        return user("auditor-1").authorities(() -> "CONSENT_AUDITOR");
    }

    static RequestPostProcessor admin() {
        return user("admin-1").authorities(() -> "CONSENT_ADMIN");
    }

    private MockHttpServletRequestBuilder choice(String json) {
        return post("/consentkit/subjects/{s}/choices", subject)
                .contentType(MediaType.APPLICATION_JSON)
                .content(json);
    }

    private List<ConsentRecord> history() {
        try (Stream<ConsentRecord> s = consents.history(HistoryQuery.forSubject(subject))) {
            return s.toList();
        }
    }

    @Nested
    class Purposes {

        @Test
        void anyAuthenticatedCallerListsThePurposes() throws Exception {
            mvc.perform(get("/consentkit/purposes").with(user(subject)))
                    .andExpect(status().isOk())
                    .andExpect(jsonPath("$", hasSize(4)))
                    .andExpect(jsonPath("$[?(@.id == 'marketing.email')].title").value("Newsletter by e-mail"))
                    .andExpect(jsonPath("$[?(@.id == 'marketing.email')].directMarketing")
                            .value(true))
                    .andExpect(jsonPath("$[?(@.id == 'ads.sale')].saleOrShare").value(true));
        }

        @Test
        void anUnauthenticatedCallerGets401ProblemJson() throws Exception {
            mvc.perform(get("/consentkit/purposes"))
                    .andExpect(status().isUnauthorized())
                    .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                    .andExpect(jsonPath("$.type").value("https://consentkit.dev/problems/unauthenticated"));
        }
    }

    @Nested
    class Decisions {

        @Test
        void theSubjectAnAuditorAndAnAdminReadThemAnotherUserMayNot() throws Exception {
            consents.record(ConsentCommand.grant(subject, "marketing.email").build());
            for (RequestPostProcessor who : List.of(user(subject), auditor(), admin())) {
                mvc.perform(get("/consentkit/subjects/{s}/decisions", subject).with(who))
                        .andExpect(status().isOk())
                        .andExpect(jsonPath("$.subject").value(subject))
                        .andExpect(jsonPath("$.decisions", hasSize(4)))
                        .andExpect(jsonPath("$.decisions[?(@.purpose == 'marketing.email')].allowed")
                                .value(true))
                        .andExpect(jsonPath("$.decisions[?(@.purpose == 'ads.sale')].reason")
                                .value("NO_RECORD"))
                        .andExpect(jsonPath("$.decisions[?(@.purpose == 'service.billing')].reason")
                                .value("LEGAL_BASIS"));
            }
            mvc.perform(get("/consentkit/subjects/{s}/decisions", subject).with(user("someone-else")))
                    .andExpect(status().isForbidden())
                    .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                    .andExpect(jsonPath("$.type").value("https://consentkit.dev/problems/access-denied"));
            mvc.perform(get("/consentkit/subjects/{s}/decisions", subject)).andExpect(status().isUnauthorized());
        }
    }

    @Nested
    class Recording {

        @Test
        void theSubjectRecordsItsOwnChoiceAsItself() throws Exception {
            mvc.perform(choice("{\"purpose\":\"marketing.email\",\"status\":\"GRANTED\","
                                    + "\"collectionPoint\":\"preference-centre\",\"noticeVersion\":\"v3\"}")
                            .header("User-Agent", "TestBrowser/2")
                            .with(user(subject)))
                    .andExpect(status().isCreated())
                    .andExpect(jsonPath("$.purpose").value("marketing.email"))
                    .andExpect(jsonPath("$.status").value("GRANTED"))
                    .andExpect(jsonPath("$.actor").value("SUBJECT"))
                    .andExpect(jsonPath("$.source").value("WEB"));
            assertThat(consents.check(subject, "marketing.email").allowed()).isTrue();
            assertThat(history()).singleElement().satisfies(r -> {
                assertThat(r.evidence().collectionPoint()).isEqualTo("preference-centre");
                assertThat(r.evidence().noticeVersion()).contains("v3");
                assertThat(r.evidence().userAgent()).contains("TestBrowser/2");
                assertThat(r.evidence().actor().isSubject()).isTrue();
            });
        }

        @Test
        void anAdminRecordsForAnotherSubjectAsAnAgent() throws Exception {
            mvc.perform(choice("{\"purpose\":\"ads.sale\",\"status\":\"denied\"}")
                            .with(admin()))
                    .andExpect(status().isCreated())
                    .andExpect(jsonPath("$.status").value("DENIED"))
                    .andExpect(jsonPath("$.actor").value("AGENT"))
                    .andExpect(jsonPath("$.actorId").value("admin-1"));
        }

        @Test
        void anAuditorOrAnotherUserMayNotChangeChoicesAndNothingIsWritten() throws Exception {
            mvc.perform(choice("{\"purpose\":\"ads.sale\",\"status\":\"GRANTED\"}")
                            .with(auditor()))
                    .andExpect(status().isForbidden());
            mvc.perform(choice("{\"purpose\":\"ads.sale\",\"status\":\"GRANTED\"}")
                            .with(user("someone-else")))
                    .andExpect(status().isForbidden());
            mvc.perform(choice("{\"purpose\":\"ads.sale\",\"status\":\"GRANTED\"}"))
                    .andExpect(status().isUnauthorized());
            assertThat(history()).isEmpty();
        }

        @Test
        void badJsonIs400NamingTheBody() throws Exception {
            mvc.perform(choice("{\"purpose\": ").with(user(subject)))
                    .andExpect(status().isBadRequest())
                    .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                    .andExpect(jsonPath("$.violations[0].field").value("body"));
            assertThat(history()).isEmpty();
        }

        @Test
        void invalidValuesAre400NamingEveryFieldAndNothingIsWritten() throws Exception {
            mvc.perform(choice("{\"purpose\":\"marketing.email\",\"status\":\"MAYBE\",\"pendingConfirmation\":\"yes\","
                                    + "\"effectiveAt\":\"yesterday\",\"colour\":\"red\",\"source\":\"GPC_SIGNAL\"}")
                            .with(user(subject)))
                    .andExpect(status().isBadRequest())
                    .andExpect(jsonPath("$.type").value("https://consentkit.dev/problems/invalid-request"))
                    .andExpect(jsonPath("$.violations[*].field")
                            .value(org.hamcrest.Matchers.contains(
                                    "colour", "effectiveAt", "pendingConfirmation", "source", "status")));
            mvc.perform(choice("{\"status\":\"GRANTED\"}").with(user(subject)))
                    .andExpect(status().isBadRequest())
                    .andExpect(jsonPath("$.violations[0].field").value("purpose"));
            mvc.perform(choice("{\"purpose\":\"marketing.sms\",\"status\":\"GRANTED\"}")
                            .with(user(subject)))
                    .andExpect(status().isBadRequest())
                    .andExpect(jsonPath("$.violations[0].field").value("purpose"))
                    .andExpect(jsonPath("$.violations[0].message").value("must be a declared purpose"));
            mvc.perform(choice("{\"purpose\":\"marketing.email\",\"status\":\"GRANTED\",\"noticeTextSha256\":\"abc\"}")
                            .with(user(subject)))
                    .andExpect(status().isBadRequest())
                    .andExpect(jsonPath("$.violations[0].field").value("evidence.noticeTextSha256"));
            mvc.perform(choice(
                                    "{\"purpose\":\"marketing.email\",\"status\":\"WITHDRAWN\",\"pendingConfirmation\":true}")
                            .with(user(subject)))
                    .andExpect(status().isBadRequest())
                    .andExpect(jsonPath("$.violations[0].field").value("pendingConfirmation"));
            assertThat(history()).isEmpty();
        }

        @Test
        void onlyAnAdminBackdatesAChoice() throws Exception {
            String body = "{\"purpose\":\"ads.sale\",\"status\":\"GRANTED\",\"effectiveAt\":\"2026-01-01T00:00:00Z\"}";
            mvc.perform(choice(body).with(user(subject)))
                    .andExpect(status().isBadRequest())
                    .andExpect(jsonPath("$.violations[0].field").value("effectiveAt"));
            assertThat(history()).isEmpty();
            mvc.perform(choice(body).with(admin()))
                    .andExpect(status().isCreated())
                    .andExpect(jsonPath("$.effectiveAt").value("2026-01-01T00:00:00Z"));
        }

        @Test
        void anIdempotencyKeyReusedForAnotherChoiceIs409AndWritesNothing() throws Exception {
            mvc.perform(choice("{\"purpose\":\"marketing.email\",\"status\":\"GRANTED\",\"idempotencyKey\":\"form-1\"}")
                            .with(user(subject)))
                    .andExpect(status().isCreated());
            mvc.perform(choice(
                                    "{\"purpose\":\"marketing.email\",\"status\":\"WITHDRAWN\",\"idempotencyKey\":\"form-1\"}")
                            .with(user(subject)))
                    .andExpect(status().isConflict())
                    .andExpect(content().contentType("application/problem+json"))
                    .andExpect(jsonPath("$.type").value("https://consentkit.dev/problems/idempotency-conflict"))
                    .andExpect(jsonPath("$.detail").value(not(containsString("form-1"))))
                    .andExpect(jsonPath("$.detail").value(not(containsString(subject))));
            assertThat(history()).hasSize(1);
            assertThat(consents.check(subject, "marketing.email").allowed()).isTrue();
        }

        @Test
        void anAdminCannotLiftADirectMarketingObjection() throws Exception {
            consents.record(ConsentCommand.optOut(subject, "marketing.email").build());
            mvc.perform(choice("{\"purpose\":\"marketing.email\",\"status\":\"GRANTED\"}")
                            .with(admin()))
                    .andExpect(status().isConflict())
                    .andExpect(jsonPath("$.type").value("https://consentkit.dev/problems/objection-in-force"));
            mvc.perform(choice("{\"purpose\":\"marketing.email\",\"status\":\"GRANTED\"}")
                            .with(user(subject)))
                    .andExpect(status().isCreated());
        }
    }

    @Nested
    class HistoryAndExports {

        @Test
        void theSubjectReadsItsHistoryNarrowedByPurpose() throws Exception {
            consents.record(ConsentCommand.grant(subject, "marketing.email").build());
            consents.record(ConsentCommand.deny(subject, "ads.sale").build());
            mvc.perform(get("/consentkit/subjects/{s}/history", subject).with(user(subject)))
                    .andExpect(status().isOk())
                    .andExpect(jsonPath("$", hasSize(2)))
                    .andExpect(jsonPath("$[0].status").value("GRANTED"))
                    .andExpect(jsonPath("$[1].sequence").value(2));
            mvc.perform(get("/consentkit/subjects/{s}/history", subject)
                            .param("purpose", "ads.sale")
                            .with(auditor()))
                    .andExpect(jsonPath("$", hasSize(1)));
            mvc.perform(get("/consentkit/subjects/{s}/history", subject)
                            .param("from", "last week")
                            .with(user(subject)))
                    .andExpect(status().isBadRequest())
                    .andExpect(jsonPath("$.violations[0].field").value("from"));
            mvc.perform(get("/consentkit/subjects/{s}/history", subject).with(user("someone-else")))
                    .andExpect(status().isForbidden());
        }

        @Test
        void theSubjectDownloadsItsAccessExport() throws Exception {
            consents.record(ConsentCommand.grant(subject, "marketing.email").build());
            mvc.perform(get("/consentkit/subjects/{s}/export", subject).with(user(subject)))
                    .andExpect(status().isOk())
                    .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON))
                    .andExpect(header().string("Content-Disposition", containsString("attachment")))
                    .andExpect(jsonPath("$.subject").value(subject))
                    .andExpect(jsonPath("$.history", hasSize(1)))
                    .andExpect(jsonPath("$.purposes[0].id").value("marketing.email"));
            mvc.perform(get("/consentkit/subjects/{s}/export", subject).with(user("someone-else")))
                    .andExpect(status().isForbidden());
        }

        @Test
        void auditorsStreamTheAuditLogAsCsvOrJsonLines() throws Exception {
            consents.record(ConsentCommand.grant(subject, "marketing.email").build());
            consents.record(ConsentCommand.withdraw(subject, "marketing.email").build());
            String csv = mvc.perform(
                            get("/consentkit/audit").param("subject", subject).with(auditor()))
                    .andExpect(status().isOk())
                    .andExpect(content().contentTypeCompatibleWith("text/csv"))
                    .andReturn()
                    .getResponse()
                    .getContentAsString();
            assertThat(csv.split("\r\n")).hasSize(3);
            assertThat(csv).startsWith("kind,id,tenant,subject,").contains("WITHDRAWN");
            String jsonl = mvc.perform(get("/consentkit/audit")
                            .param("format", "jsonl")
                            .param("subject", subject)
                            .with(admin()))
                    .andExpect(status().isOk())
                    .andExpect(content().contentTypeCompatibleWith("application/jsonl"))
                    .andReturn()
                    .getResponse()
                    .getContentAsString();
            assertThat(jsonl.lines()).hasSize(2).allSatisfy(l -> assertThat(l).contains("\"subject\":\"" + subject));
        }

        @Test
        void theAuditExportNeedsTheAuditorOrAdminAuthority() throws Exception {
            mvc.perform(get("/consentkit/audit").with(user(subject))).andExpect(status().isForbidden());
            mvc.perform(get("/consentkit/audit")).andExpect(status().isUnauthorized());
            mvc.perform(get("/consentkit/audit").param("format", "xml").with(auditor()))
                    .andExpect(status().isBadRequest())
                    .andExpect(jsonPath("$.violations[0].field").value("format"));
        }
    }
}
