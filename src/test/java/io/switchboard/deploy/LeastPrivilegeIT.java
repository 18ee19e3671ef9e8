package io.switchboard.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.switchboard.support.Api;
import io.switchboard.support.AppInstance;
import io.switchboard.support.Json;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The deployment's database roles, on a real PostgreSQL: the script the in-cluster database runs on its first
 * start (and an operator runs once on a managed one) creates the database, the schema owner and the app's
 * role; the packaged app migrates as the owner (QUARKUS_FLYWAY_*) and serves as the app's role
 * (QUARKUS_DATASOURCE_*), and that role can read and write rows but cannot change the schema.
 */
class LeastPrivilegeIT {

    private static final Path ROLES = Path.of("k8s/components/in-cluster-postgres/roles.sql");
    private static final String OWNER_PASSWORD = "owner-role-secret-1";
    private static final String APP_PASSWORD = "app-role-secret-2";

    @Test
    void theAppMigratesAsTheOwnerAndServesAsARoleThatCannotChangeTheSchema() throws Exception {
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(Files.createTempDirectory("switchboard-roles-db")).setCleanDataDirectory(true).start()) {
            runAsPsqlWould(postgres, ROLES, Map.of("owner_password", OWNER_PASSWORD, "app_password", APP_PASSWORD));
            String jdbc = "jdbc:postgresql://localhost:" + postgres.getPort() + "/switchboard";
            try (AppInstance app = AppInstance.start("least-privilege", postgres.getPort(), Map.of(
                    "QUARKUS_DATASOURCE_JDBC_URL", jdbc,
                    "QUARKUS_DATASOURCE_REACTIVE_URL", "postgresql://localhost:" + postgres.getPort() + "/switchboard",
                    "QUARKUS_DATASOURCE_USERNAME", "switchboard_app", "QUARKUS_DATASOURCE_PASSWORD", APP_PASSWORD,
                    "QUARKUS_FLYWAY_USERNAME", "switchboard_owner", "QUARKUS_FLYWAY_PASSWORD", OWNER_PASSWORD))) {
                // The app works: a visitor writes, an agent logs in (login guard rows) and reads the history.
                Api api = app.api();
                Api.Visitor visitor = api.newVisitor();
                long conversation = api.conversation(visitor.token());
                api.sendOk(visitor.token(), conversation, "m-1", "hello from a least-privilege role");
                api.sendOk(visitor.token(), conversation, "m-1", "hello from a least-privilege role");
                JsonNode history = Json.parse(Api.expect(200, api.get(api.agentToken(),
                        "/api/conversations/" + conversation + "/messages")).body());
                assertEquals(1, history.size(), "stored once: " + history);
                assertEquals("hello from a least-privilege role", history.get(0).get("text").asText());

                try (Connection owner = DriverManager.getConnection(jdbc, "switchboard_owner", OWNER_PASSWORD);
                        Statement query = owner.createStatement();
                        ResultSet tables = query.executeQuery("select tablename, tableowner from pg_tables where schemaname = 'public'")) {
                    int count = 0;
                    while (tables.next()) {
                        count++;
                        assertEquals("switchboard_owner", tables.getString(2), tables.getString(1) + " is owned by the migrations' role");
                    }
                    assertTrue(count >= 8, "the migrations ran as the owner: " + count + " tables");
                }
                try (Connection role = DriverManager.getConnection(jdbc, "switchboard_app", APP_PASSWORD);
                        Statement statement = role.createStatement()) {
                    for (String ddl : List.of("create table intruder (id int)", "drop table message", "truncate message",
                            "alter table message add column x int", "create index intruder on message (text)",
                            "create function intruder() returns int language sql as 'select 1'")) {
                        SQLException refused = assertThrows(SQLException.class, () -> statement.execute(ddl), ddl);
                        assertEquals("42501", refused.getSQLState(), ddl + ": " + refused.getMessage());
                    }
                }
                assertTrue(app.process().isAlive());
            }
        }
    }

    /** What psql does with this script: {@code :'name'} variables as quoted literals, {@code \connect} as a new session. */
    static void runAsPsqlWould(EmbeddedPostgres postgres, Path script, Map<String, String> variables) throws Exception {
        String database = "postgres";
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(script)) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("--")) {
                continue;
            }
            if (trimmed.startsWith("\\connect ")) {
                execute(postgres, database, statements);
                statements.clear();
                database = trimmed.substring("\\connect ".length()).strip();
                continue;
            }
            Matcher variable = Pattern.compile(":'([a-z_]+)'").matcher(line);
            StringBuilder substituted = new StringBuilder();
            while (variable.find()) {
                String value = variables.get(variable.group(1));
                if (value == null) {
                    throw new IllegalArgumentException("the script needs :'" + variable.group(1) + "'");
                }
                variable.appendReplacement(substituted, Matcher.quoteReplacement("'" + value.replace("'", "''") + "'"));
            }
            variable.appendTail(substituted);
            current.append(substituted).append('\n');
            if (trimmed.endsWith(";")) {
                statements.add(current.toString());
                current.setLength(0);
            }
        }
        execute(postgres, database, statements);
    }

    private static void execute(EmbeddedPostgres postgres, String database, List<String> statements) throws SQLException {
        try (Connection connection = DriverManager.getConnection(postgres.getJdbcUrl("postgres", database));
                Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }
}
