package io.switchboard.deploy;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.switchboard.support.TestCertificate;

/** Serves HTTPS/WSS with a certificate generated for the test, through the Quarkus TLS registry. */
public class TlsProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "quarkus.tls.key-store.p12.path", TestCertificate.keystore().toString(),
                "quarkus.tls.key-store.p12.password", TestCertificate.PASSWORD,
                "quarkus.http.test-ssl-port", "0",
                "quarkus.http.insecure-requests", "enabled",
                "switchboard.visitors.secure-cookies", "true");
    }
}
