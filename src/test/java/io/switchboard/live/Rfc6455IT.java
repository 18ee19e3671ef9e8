package io.switchboard.live;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The same raw frames against the packaged application: the jar, or the native executable with -Dnative. */
@QuarkusIntegrationTest
class Rfc6455IT extends Rfc6455Test {
}
