package dev.consentkit.benchmarks;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.UniqueConstraint;
import java.time.Instant;
import java.util.Optional;
import java.util.Properties;
import javax.sql.DataSource;
import org.hibernate.envers.Audited;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.config.EnableJpaRepositories;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.orm.jpa.vendor.HibernateJpaVendorAdapter;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The peer a team would hand-roll: a {@code consents} table mapped with JPA (Hibernate), a Spring Data
 * repository, and Hibernate Envers for the audited history. Same PostgreSQL database and schema as ConsentKit's
 * tables.
 */
final class JpaPeer implements AutoCloseable {

    /** The current choice of one subject for one purpose; Envers keeps every version in jpa_consent_aud. */
    @Entity
    @Audited
    @Table(
            name = "jpa_consent",
            uniqueConstraints =
                    @UniqueConstraint(
                            name = "jpa_consent_uk",
                            columnNames = {"subject", "purpose"}))
    public static class JpaConsent {
        @Id
        @GeneratedValue(strategy = GenerationType.IDENTITY)
        @Column(name = "id")
        Long id;

        @Column(name = "subject", nullable = false, length = 255)
        String subject;

        @Column(name = "purpose", nullable = false, length = 128)
        String purpose;

        @Column(name = "purpose_version", nullable = false)
        int purposeVersion;

        @Column(name = "status", nullable = false, length = 16)
        String status;

        @Column(name = "recorded_at", nullable = false)
        Instant recordedAt;

        @Column(name = "source", nullable = false, length = 16)
        String source;

        @Column(name = "collection_point", length = 255)
        String collectionPoint;

        @Column(name = "notice_version", length = 64)
        String noticeVersion;

        public JpaConsent() {}
    }

    /** The Spring Data repository. */
    public interface JpaConsentRepository extends JpaRepository<JpaConsent, Long> {
        Optional<JpaConsent> findBySubjectAndPurpose(String subject, String purpose);
    }

    /** Plain Spring configuration, as Spring Boot's auto-configuration would set it up. */
    @Configuration
    @EnableJpaRepositories(basePackageClasses = JpaPeer.class, considerNestedRepositories = true)
    public static class Config {
        @Bean(destroyMethod = "close")
        public com.zaxxer.hikari.HikariDataSource dataSource() {
            return BenchData.postgresInSchema(4);
        }

        @Bean
        public LocalContainerEntityManagerFactoryBean entityManagerFactory(DataSource dataSource) {
            LocalContainerEntityManagerFactoryBean emf = new LocalContainerEntityManagerFactoryBean();
            emf.setDataSource(dataSource);
            emf.setPackagesToScan(JpaPeer.class.getPackageName());
            emf.setJpaVendorAdapter(new HibernateJpaVendorAdapter());
            Properties p = new Properties();
            p.setProperty("hibernate.hbm2ddl.auto", System.getProperty("ck.jpa.ddl", "none"));
            p.setProperty("hibernate.show_sql", "false");
            // the entity carries no Bean Validation constraints; ConsentKit validates its own commands
            p.setProperty("jakarta.persistence.validation.mode", "none");
            emf.setJpaProperties(p);
            return emf;
        }

        @Bean
        public PlatformTransactionManager transactionManager(EntityManagerFactory emf) {
            return new JpaTransactionManager(emf);
        }
    }

    private final AnnotationConfigApplicationContext context;
    private final JpaConsentRepository repository;
    private final TransactionTemplate tx;
    private final TransactionTemplate readTx;

    private JpaPeer(AnnotationConfigApplicationContext context) {
        this.context = context;
        this.repository = context.getBean(JpaConsentRepository.class);
        this.tx = new TransactionTemplate(context.getBean(PlatformTransactionManager.class));
        this.readTx = new TransactionTemplate(context.getBean(PlatformTransactionManager.class));
        readTx.setReadOnly(true);
    }

    /** Starts the Spring context; {@code ddl} is Hibernate's hbm2ddl.auto ("create" when seeding, else "none"). */
    static JpaPeer open(String ddl) {
        System.setProperty("ck.jpa.ddl", ddl);
        return new JpaPeer(new AnnotationConfigApplicationContext(Config.class));
    }

    /** Records a choice the way a hand-rolled service would: read the row, change it, save; Envers audits it. */
    void record(String subject, String purpose, String status, String source, String collectionPoint) {
        tx.executeWithoutResult(s -> {
            JpaConsent c = repository.findBySubjectAndPurpose(subject, purpose).orElseGet(() -> {
                JpaConsent n = new JpaConsent();
                n.subject = subject;
                n.purpose = purpose;
                return n;
            });
            c.purposeVersion = 1;
            c.status = status;
            c.recordedAt = Instant.now();
            c.source = source;
            c.collectionPoint = collectionPoint;
            c.noticeVersion = "2026-01";
            repository.save(c);
        });
    }

    /** Is the subject's current choice for the purpose a grant? */
    boolean allowed(String subject, String purpose) {
        Boolean allowed = readTx.execute(s -> repository
                .findBySubjectAndPurpose(subject, purpose)
                .map(c -> "GRANTED".equals(c.status))
                .orElse(false));
        return Boolean.TRUE.equals(allowed);
    }

    @Override
    public void close() {
        context.close();
    }
}
