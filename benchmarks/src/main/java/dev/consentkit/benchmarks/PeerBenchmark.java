package dev.consentkit.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.server.authorization.JdbcOAuth2AuthorizationConsentService;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationConsent;
import org.springframework.security.oauth2.server.authorization.client.InMemoryRegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;

/**
 * Benchmark 7: the peers on the same PostgreSQL database and data size. Spring Security's
 * {@link JdbcOAuth2AuthorizationConsentService} (one row per subject, granted purposes as scopes) finding and
 * saving a subject's consent; a hand-rolled Spring Data JPA + Hibernate Envers store (one row per subject and
 * purpose, audited) recording a choice and looking one up. ConsentKit's own figures for the same operations come
 * from {@link PostgresReadBenchmark#checkKit} and {@link WriteBenchmark#recordKit}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
public class PeerBenchmark {

    /** Spring Security's consent store over its own table in the benchmark schema. */
    @State(Scope.Benchmark)
    public static class SpringSecurity {
        HikariDataSource ds;
        JdbcOAuth2AuthorizationConsentService service;
        int subjects;

        @Setup(Level.Trial)
        public void setUp() {
            ds = BenchData.postgresInSchema(4);
            subjects = BenchData.seededSubjects(ds);
            RegisteredClient client = RegisteredClient.withId(BenchData.CLIENT_ID)
                    .clientId(BenchData.CLIENT_ID)
                    .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
                    .build();
            service = new JdbcOAuth2AuthorizationConsentService(
                    new JdbcTemplate(ds), new InMemoryRegisteredClientRepository(client));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            ds.close();
        }
    }

    /** The JPA + Envers store. */
    @State(Scope.Benchmark)
    public static class Jpa {
        JpaPeer peer;
        int subjects;

        @Setup(Level.Trial)
        public void setUp() {
            try (HikariDataSource ds = BenchData.postgres(1)) {
                subjects = BenchData.seededSubjects(ds);
            }
            peer = JpaPeer.open("none");
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            peer.close();
        }
    }

    /** Lookup: is marketing.email among the subject's granted scopes? */
    @Benchmark
    public boolean springSecurityFind(SpringSecurity s, Alternating c) {
        OAuth2AuthorizationConsent consent =
                s.service.findById(BenchData.CLIENT_ID, BenchData.subject(c.random.nextInt(s.subjects)));
        return consent != null && consent.getScopes().contains("marketing.email");
    }

    /** Recording: grant or take back marketing.email for a subject (the service reads, then updates the row). */
    @Benchmark
    public void springSecuritySave(SpringSecurity s, Alternating c) {
        String subject = BenchData.subject(c.random.nextInt(s.subjects));
        OAuth2AuthorizationConsent.Builder b =
                OAuth2AuthorizationConsent.withId(BenchData.CLIENT_ID, subject).scope("marketing");
        if (c.grant()) {
            b.scope("marketing.email");
        }
        s.service.save(b.build());
    }

    @Benchmark
    public boolean jpaEnversFind(Jpa j, Alternating c) {
        return j.peer.allowed(BenchData.subject(c.random.nextInt(j.subjects)), "marketing.email");
    }

    @Benchmark
    public void jpaEnversRecord(Jpa j, Alternating c) {
        j.peer.record(
                BenchData.subject(c.random.nextInt(j.subjects)),
                "marketing.email",
                c.grant() ? "GRANTED" : "WITHDRAWN",
                "WEB",
                "signup-form-v3");
    }
}
