package dev.consentkit.spring.autoconfigure;

import dev.consentkit.core.EvidencePolicy;
import dev.consentkit.core.LegalBasis;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Period;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code consentkit.*} properties: the tenant, the purposes and preferences to declare, how evidence is
 * minimised, the JDBC store's tables and the web endpoints.
 *
 * <pre>
 * consentkit:
 *   purposes:
 *     - id: marketing.email
 *       basis: consent
 *       title: Newsletter by e-mail
 *       validity: P13M
 *       direct-marketing: true
 *     - id: ads.sale
 *       basis: consent
 *       sale-or-share: true
 * </pre>
 */
@ConfigurationProperties("consentkit")
public class ConsentKitProperties {

    /** The tenant (brand or business unit) the application's ConsentManager records for. */
    private String tenant = "default";

    /** The purposes to declare; list several versions of one purpose as separate entries. */
    private List<PurposeProperties> purposes = new ArrayList<>();

    /** Communication preferences that are not yes/no, for example a newsletter frequency. */
    private List<PreferenceProperties> preferences = new ArrayList<>();

    /**
     * Secret key (at least 16 characters) for the keyed pseudonyms that replace an erased subject's identifier.
     * Needed for erasure; keep it stable and secret.
     */
    private @Nullable String pseudonymKey;

    private final Evidence evidence = new Evidence();

    private final Jdbc jdbc = new Jdbc();

    private final Web web = new Web();

    public String getTenant() {
        return tenant;
    }

    public void setTenant(String tenant) {
        this.tenant = tenant;
    }

    public List<PurposeProperties> getPurposes() {
        return purposes;
    }

    public void setPurposes(List<PurposeProperties> purposes) {
        this.purposes = purposes;
    }

    public List<PreferenceProperties> getPreferences() {
        return preferences;
    }

    public void setPreferences(List<PreferenceProperties> preferences) {
        this.preferences = preferences;
    }

    public @Nullable String getPseudonymKey() {
        return pseudonymKey;
    }

    public void setPseudonymKey(@Nullable String pseudonymKey) {
        this.pseudonymKey = pseudonymKey;
    }

    public Evidence getEvidence() {
        return evidence;
    }

    public Jdbc getJdbc() {
        return jdbc;
    }

    public Web getWeb() {
        return web;
    }

    /** One version of a purpose. */
    public static class PurposeProperties {

        /** The dotted purpose id, for example {@code marketing.email}. */
        private @Nullable String id;

        /** The purpose version (1 or more); declare a new version when the text or scope changes. */
        private int version = 1;

        /** The GDPR Art. 6 legal basis. Required. */
        private @Nullable LegalBasis basis;

        /** The title shown to subjects; defaults to the id. */
        private @Nullable String title;

        /** The description shown to subjects. */
        private String description = "";

        /** How long a grant lasts before it lapses, for example {@code P13M} or {@code 13m}. */
        private @Nullable Period validity;

        /** Grants for versions below this one no longer count (a material change); defaults to 1. */
        private int reconsentFromVersion = 1;

        /** Covered by a "do not sell or share" opt-out and by Global Privacy Control. */
        private boolean saleOrShare;

        /** An objection to it is absolute (GDPR Art. 21(3)): only the subject itself can lift it. */
        private boolean directMarketing;

        /** The categories of personal data processed, for example {@code email}. */
        private List<String> dataCategories = new ArrayList<>();

        /** Titles and descriptions per locale, for example {@code texts.de.title}. */
        private Map<Locale, Text> texts = new LinkedHashMap<>();

        public @Nullable String getId() {
            return id;
        }

        public void setId(@Nullable String id) {
            this.id = id;
        }

        public int getVersion() {
            return version;
        }

        public void setVersion(int version) {
            this.version = version;
        }

        public @Nullable LegalBasis getBasis() {
            return basis;
        }

        public void setBasis(@Nullable LegalBasis basis) {
            this.basis = basis;
        }

        public @Nullable String getTitle() {
            return title;
        }

        public void setTitle(@Nullable String title) {
            this.title = title;
        }

        public String getDescription() {
            return description;
        }

        public void setDescription(String description) {
            this.description = description;
        }

        public @Nullable Period getValidity() {
            return validity;
        }

        public void setValidity(@Nullable Period validity) {
            this.validity = validity;
        }

        public int getReconsentFromVersion() {
            return reconsentFromVersion;
        }

        public void setReconsentFromVersion(int reconsentFromVersion) {
            this.reconsentFromVersion = reconsentFromVersion;
        }

        public boolean isSaleOrShare() {
            return saleOrShare;
        }

        public void setSaleOrShare(boolean saleOrShare) {
            this.saleOrShare = saleOrShare;
        }

        public boolean isDirectMarketing() {
            return directMarketing;
        }

        public void setDirectMarketing(boolean directMarketing) {
            this.directMarketing = directMarketing;
        }

        public List<String> getDataCategories() {
            return dataCategories;
        }

        public void setDataCategories(List<String> dataCategories) {
            this.dataCategories = dataCategories;
        }

        public Map<Locale, Text> getTexts() {
            return texts;
        }

        public void setTexts(Map<Locale, Text> texts) {
            this.texts = texts;
        }
    }

    /** A title and description in one locale. */
    public static class Text {

        /** The title in this locale. */
        private String title = "";

        /** The description in this locale. */
        private String description = "";

        public String getTitle() {
            return title;
        }

        public void setTitle(String title) {
            this.title = title;
        }

        public String getDescription() {
            return description;
        }

        public void setDescription(String description) {
            this.description = description;
        }
    }

    /** A communication preference. */
    public static class PreferenceProperties {

        /** The dotted key, for example {@code newsletter.frequency}. */
        private @Nullable String key;

        /** The values a subject may choose, in display order. */
        private List<String> allowedValues = new ArrayList<>();

        /** The value before the subject chose; must be one of the allowed values. */
        private @Nullable String defaultValue;

        public @Nullable String getKey() {
            return key;
        }

        public void setKey(@Nullable String key) {
            this.key = key;
        }

        public List<String> getAllowedValues() {
            return allowedValues;
        }

        public void setAllowedValues(List<String> allowedValues) {
            this.allowedValues = allowedValues;
        }

        public @Nullable String getDefaultValue() {
            return defaultValue;
        }

        public void setDefaultValue(@Nullable String defaultValue) {
            this.defaultValue = defaultValue;
        }
    }

    /** How IP addresses and user agents in evidence are minimised before they are stored. */
    public static class Evidence {

        /** What is stored of the subject's IP address: keep, truncate (/24, /48), hash (needs hash-key) or drop. */
        private EvidencePolicy.Minimisation ipAddress = EvidencePolicy.Minimisation.TRUNCATE;

        /** What is stored of the user agent: keep, truncate (64 characters), hash (needs hash-key) or drop. */
        private EvidencePolicy.Minimisation userAgent = EvidencePolicy.Minimisation.KEEP;

        /** Secret key (at least 16 characters) for the keyed hash when a field is set to {@code hash}. */
        private @Nullable String hashKey;

        public EvidencePolicy.Minimisation getIpAddress() {
            return ipAddress;
        }

        public void setIpAddress(EvidencePolicy.Minimisation ipAddress) {
            this.ipAddress = ipAddress;
        }

        public EvidencePolicy.Minimisation getUserAgent() {
            return userAgent;
        }

        public void setUserAgent(EvidencePolicy.Minimisation userAgent) {
            this.userAgent = userAgent;
        }

        public @Nullable String getHashKey() {
            return hashKey;
        }

        public void setHashKey(@Nullable String hashKey) {
            this.hashKey = hashKey;
        }
    }

    /** When the JDBC store creates its tables at start-up. */
    public enum SchemaInitialization {
        /** Only on an embedded database (H2, HSQLDB, Derby in memory). */
        EMBEDDED,
        /** On every database, if the tables are missing. */
        ALWAYS,
        /** Never: the tables come from migrations (the shipped scripts or Flyway migrations). */
        NEVER
    }

    /** The JDBC store, used when a DataSource and consent-jdbc are present. */
    public static class Jdbc {

        /** Prefix of every table name. */
        private String tablePrefix = "consent_";

        /** The schema (PostgreSQL, H2) or database (MariaDB, MySQL) holding the tables; default: the connection's. */
        private @Nullable String schema;

        /** When to create the tables at start-up if they are missing. */
        private SchemaInitialization initializeSchema = SchemaInitialization.EMBEDDED;

        public String getTablePrefix() {
            return tablePrefix;
        }

        public void setTablePrefix(String tablePrefix) {
            this.tablePrefix = tablePrefix;
        }

        public @Nullable String getSchema() {
            return schema;
        }

        public void setSchema(@Nullable String schema) {
            this.schema = schema;
        }

        public SchemaInitialization getInitializeSchema() {
            return initializeSchema;
        }

        public void setInitializeSchema(SchemaInitialization initializeSchema) {
            this.initializeSchema = initializeSchema;
        }
    }

    /** The servlet integration: the Global Privacy Control filter and the REST endpoints. */
    public static class Web {

        /** Whether the REST endpoints are on. */
        private boolean enabled;

        /** The path the REST endpoints live under. */
        private String basePath = "/consentkit";

        /**
         * Lets the endpoints start without Spring Security, open to every caller. Only for trusted networks and
         * tests.
         */
        private boolean allowUnauthenticated;

        /** The authority that may read other subjects' data and run the auditor exports. */
        private String auditorAuthority = "CONSENT_AUDITOR";

        /** The authority that may read and change every subject's choices and run the exports. */
        private String adminAuthority = "CONSENT_ADMIN";

        private final Gpc gpc = new Gpc();

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getBasePath() {
            return basePath;
        }

        public void setBasePath(String basePath) {
            this.basePath = basePath;
        }

        public boolean isAllowUnauthenticated() {
            return allowUnauthenticated;
        }

        public void setAllowUnauthenticated(boolean allowUnauthenticated) {
            this.allowUnauthenticated = allowUnauthenticated;
        }

        public String getAuditorAuthority() {
            return auditorAuthority;
        }

        public void setAuditorAuthority(String auditorAuthority) {
            this.auditorAuthority = auditorAuthority;
        }

        public String getAdminAuthority() {
            return adminAuthority;
        }

        public void setAdminAuthority(String adminAuthority) {
            this.adminAuthority = adminAuthority;
        }

        public Gpc getGpc() {
            return gpc;
        }
    }

    /** The Global Privacy Control filter. */
    public static class Gpc {

        /** Whether a {@code Sec-GPC: 1} request header opts the resolved subject out of sale-or-share purposes. */
        private boolean enabled = true;

        /** The collection point recorded in the evidence of a GPC opt-out. */
        private String collectionPoint = "sec-gpc-header";

        /** The filter's order; after Spring Security's filter chain (-100) so that the principal is known. */
        private int filterOrder = 0;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getCollectionPoint() {
            return collectionPoint;
        }

        public void setCollectionPoint(String collectionPoint) {
            this.collectionPoint = collectionPoint;
        }

        public int getFilterOrder() {
            return filterOrder;
        }

        public void setFilterOrder(int filterOrder) {
            this.filterOrder = filterOrder;
        }
    }
}
