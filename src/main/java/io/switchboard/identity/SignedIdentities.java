package io.switchboard.identity;

import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import io.quarkus.runtime.StartupEvent;
import io.switchboard.api.ApiException;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Sha256;
import io.switchboard.api.Text;
import io.switchboard.config.SwitchboardConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Verifies the identity a site vouches for: a JWT signed with the configured HMAC algorithm
 * ({@code switchboard.visitors.identity.algorithm}: HS256 by default, or HS384/HS512; one, never chosen by the token) under one of the site's
 * secrets ({@code switchboard.visitors.identity.secrets}), verified by Nimbus JOSE + JWT. {@code sub} is the
 * site's user id (1-128 printable characters); {@code name} and {@code email} are optional and follow the
 * visitor's own rules; {@code exp} is required and may be at most {@code max-lifetime} away; {@code nbf} and
 * {@code aud} (when configured) are checked. Anything else — no signature, {@code alg: none}, another family of
 * algorithm, a wrong or rotated-out secret, a tampered payload — is {@code 401 invalid_identity}.
 */
@ApplicationScoped
public class SignedIdentities {

    /** At most this many characters of JWT are parsed: a header, a few claims and a signature fit easily. */
    static final int MAX_LENGTH = 4096;

    /**
     * Who the site says this is. {@code binding} names this one signed token (a hash of the user and its
     * {@code jti}, or of the whole token when it has none): the device it signs in is that token's one device.
     */
    public record Identity(String userId, Optional<String> name, Optional<String> email, String binding) {
    }

    @Inject
    SwitchboardConfig config;

    private volatile List<MACVerifier> verifiers;

    /** A misconfigured secret stops the service at start, not at the first visitor. */
    void check(@Observes StartupEvent start) {
        verifiers();
    }

    public boolean required() {
        return config.visitors().identity().required();
    }

    public Identity verify(String token) {
        if (token == null || token.isBlank()) {
            throw invalid("no identity was given");
        }
        if (verifiers().isEmpty()) {
            throw invalid("this service accepts no signed identities (switchboard.visitors.identity.secrets is not set)");
        }
        if (token.length() > MAX_LENGTH) {
            throw invalid("an identity is at most " + MAX_LENGTH + " characters");
        }
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(token.strip());
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw invalid("the identity is not a signed JWT");
        }
        JWSAlgorithm expected = algorithm(config.visitors().identity().algorithm());
        if (!expected.equals(jwt.getHeader().getAlgorithm())) {
            throw invalid("the identity must be signed with " + expected + " (this service's "
                    + "switchboard.visitors.identity.algorithm), not " + jwt.getHeader().getAlgorithm());
        }
        if (!verifiers().stream().anyMatch(v -> verifies(jwt, v))) {
            throw invalid("the identity's signature does not match the site's secret");
        }
        SwitchboardConfig.Visitors.Identity settings = config.visitors().identity();
        Instant now = Instant.now();
        Duration skew = settings.clockSkew();
        if (claims.getExpirationTime() == null) {
            throw invalid("the identity has no exp: signed identities must expire");
        }
        Instant exp = claims.getExpirationTime().toInstant();
        if (exp.plus(skew).isBefore(now)) {
            throw invalid("the identity expired at " + exp);
        }
        if (exp.isAfter(now.plus(settings.maxLifetime()).plus(skew))) {
            throw invalid("the identity is valid for longer than " + settings.maxLifetime() + ": sign short-lived identities");
        }
        if (claims.getNotBeforeTime() != null && claims.getNotBeforeTime().toInstant().minus(skew).isAfter(now)) {
            throw invalid("the identity is not valid yet (nbf)");
        }
        if (settings.audience().isPresent()
                && (claims.getAudience() == null || !claims.getAudience().contains(settings.audience().get()))) {
            throw invalid("the identity is not meant for this service (aud)");
        }
        String subject = claims.getSubject();
        if (subject == null || subject.isBlank() || subject.length() > 128 || subject.chars().anyMatch(Character::isISOControl)
                || !Text.storable(subject)) {
            throw invalid("the identity's sub (the site's user id) must be 1-128 printable characters");
        }
        try {
            String jti = claims.getJWTID();
            String binding = Sha256.hex(jti == null || jti.isBlank() ? "token:" + token.strip() : "jti:" + subject + "\n" + jti);
            return new Identity(subject, Visitors.cleanName(claims.getStringClaim("name")),
                    Visitors.cleanEmail(claims.getStringClaim("email")), binding);
        } catch (ParseException e) {
            throw invalid("the identity's name and email must be strings");
        }
    }

    private static boolean verifies(SignedJWT jwt, MACVerifier verifier) {
        try {
            return jwt.verify(verifier);
        } catch (JOSEException e) {
            return false; // an algorithm this secret is too short for
        }
    }

    private List<MACVerifier> verifiers() {
        List<MACVerifier> built = verifiers;
        if (built == null) {
            built = verifiers(config.visitors().identity().secrets().orElse(List.of()), config.visitors().identity().algorithm());
            verifiers = built;
        }
        return built;
    }

    /**
     * One verifier per secret, for {@code algorithm}: each secret at least as long as the algorithm's hash (32, 48
     * or 64 bytes, RFC 7518 §3.2), or the service does not start, with a message that says which and why.
     */
    static List<MACVerifier> verifiers(List<String> secrets, String algorithm) {
        JWSAlgorithm alg = algorithm(algorithm);
        int minimum = alg.equals(JWSAlgorithm.HS512) ? 64 : alg.equals(JWSAlgorithm.HS384) ? 48 : 32;
        List<MACVerifier> built = new ArrayList<>();
        for (int i = 0; i < secrets.size(); i++) {
            byte[] bytes = secrets.get(i).getBytes(StandardCharsets.UTF_8);
            if (bytes.length < minimum) {
                throw new IllegalStateException("switchboard.visitors.identity.secrets: with " + alg + " each secret needs at least "
                        + minimum + " bytes (the hash's length, RFC 7518 3.2); secret #" + (i + 1) + " has " + bytes.length);
            }
            try {
                built.add(new MACVerifier(bytes));
            } catch (JOSEException e) {
                throw new IllegalStateException("switchboard.visitors.identity.secrets: " + e.getMessage(), e);
            }
        }
        return List.copyOf(built);
    }

    private static JWSAlgorithm algorithm(String name) {
        JWSAlgorithm alg = JWSAlgorithm.parse(name.strip().toUpperCase(Locale.ROOT));
        if (!JWSAlgorithm.Family.HMAC_SHA.contains(alg)) {
            throw new IllegalStateException("switchboard.visitors.identity.algorithm must be HS256, HS384 or HS512, not " + name);
        }
        return alg;
    }

    private static ApiException invalid(String why) {
        return new ApiException(ErrorCode.INVALID_IDENTITY, why);
    }
}
