package dev.consentkit.spring.autoconfigure;

import javax.sql.DataSource;
import org.springframework.boot.jdbc.init.DataSourceScriptDatabaseInitializer;
import org.springframework.boot.jdbc.init.PlatformPlaceholderDatabaseDriverResolver;
import org.springframework.boot.sql.init.DatabaseInitializationMode;
import org.springframework.boot.sql.init.DatabaseInitializationSettings;

/**
 * Spring Boot's {@link DataSourceScriptDatabaseInitializer} for ConsentKit's tables, as Spring Session JDBC has
 * one for its own: {@code consentkit.jdbc.initialize-schema} decides when it runs ({@code embedded}, the default:
 * on an embedded database only; {@code always}; {@code never}), Spring Boot resolves the shipped
 * {@code schema-<platform>.sql} for the database, and beans that depend on database initialisation (the JDBC
 * store among them) wait for it. Declare a bean of this type, or any other database initialiser, to replace it.
 *
 * <p>The script runs through {@code JdbcConsentStore.createSchemaIfMissing()}, which applies
 * {@code consentkit.jdbc.table-prefix} and {@code .schema} to it and leaves tables that already exist alone, so a
 * restart with {@code always} is harmless.
 */
public class ConsentKitDataSourceScriptDatabaseInitializer extends DataSourceScriptDatabaseInitializer {

    /** Where the shipped scripts are: per platform ({@code postgresql}, {@code mariadb}, {@code mysql}, {@code h2}). */
    public static final String SCHEMA_LOCATION = "classpath:dev/consentkit/jdbc/schema-@@platform@@.sql";

    private final ConsentKitProperties.Jdbc properties;

    /** The initialiser for ConsentKit's tables in {@code dataSource}, placed as {@code properties} say. */
    public ConsentKitDataSourceScriptDatabaseInitializer(DataSource dataSource, ConsentKitProperties.Jdbc properties) {
        super(dataSource, getSettings(dataSource, properties));
        this.properties = properties;
    }

    /** The shipped script for {@code dataSource}'s platform, run in the mode {@code properties} name. */
    public static DatabaseInitializationSettings getSettings(
            DataSource dataSource, ConsentKitProperties.Jdbc properties) {
        DatabaseInitializationSettings settings = new DatabaseInitializationSettings();
        settings.setSchemaLocations(
                new PlatformPlaceholderDatabaseDriverResolver().resolveAll(dataSource, SCHEMA_LOCATION));
        settings.setMode(
                DatabaseInitializationMode.valueOf(properties.initializeSchema().name()));
        return settings;
    }

    @Override
    protected void runScripts(Scripts scripts) {
        // the resolved script is the one the store ships; the store runs it with the configured prefix and schema
        JdbcStoreConfiguration.build(JdbcStoreConfiguration.builder(getDataSource(), properties))
                .createSchemaIfMissing();
    }
}
