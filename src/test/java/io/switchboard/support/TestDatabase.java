package io.switchboard.support;

import io.quarkus.test.common.QuarkusTestResource;

/** Registers the embedded PostgreSQL for the whole {@code @QuarkusTest} suite. */
@QuarkusTestResource(EmbeddedPostgresResource.class)
public final class TestDatabase {
    private TestDatabase() {
    }
}
