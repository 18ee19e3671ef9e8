package io.switchboard.support;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** A self-signed certificate for localhost, made with the JDK's keytool when the tests need it. */
public final class TestCertificate {

    public static final String PASSWORD = "switchboard-test";
    public static final Path KEYSTORE = Path.of("target", "tls", "server.p12").toAbsolutePath();

    private TestCertificate() {
    }

    public static synchronized Path keystore() {
        if (Files.exists(KEYSTORE)) {
            return KEYSTORE;
        }
        try {
            Files.createDirectories(KEYSTORE.getParent());
            String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            Process process = new ProcessBuilder(keytool, "-genkeypair", "-alias", "switchboard", "-keyalg", "RSA",
                    "-keysize", "2048", "-validity", "2", "-dname", "CN=localhost", "-ext",
                    "SAN=dns:localhost,ip:127.0.0.1", "-storetype", "PKCS12", "-keystore", KEYSTORE.toString(),
                    "-storepass", PASSWORD, "-keypass", PASSWORD).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (process.waitFor() != 0) {
                throw new IllegalStateException("keytool failed: " + output);
            }
            return KEYSTORE;
        } catch (Exception e) {
            throw new IllegalStateException("could not create the test certificate", e);
        }
    }

    /** A TLS context that trusts exactly the test certificate. */
    public static SSLContext trustingContext() {
        try (InputStream in = Files.newInputStream(keystore())) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, PASSWORD.toCharArray());
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
