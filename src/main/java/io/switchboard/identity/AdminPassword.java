package io.switchboard.identity;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What the seeded admin's password must not be: it guards the public console, so a placeholder left in a
 * deployment (the {@code change-me…} of an example Secret) or a guessable password is refused in production.
 */
public final class AdminPassword {

    static final int MIN_LENGTH = 12;
    private static final Set<String> PLACEHOLDER_MARKS = Set.of("change-me", "changeme", "change_me", "replace-me",
            "replaceme", "placeholder", "example", "todo", "xxx");
    private static final Set<String> COMMON = Set.of("password1234", "administrator", "admin1234567", "123456789012",
            "qwertyuiop12", "switchboard1", "letmein12345", "passw0rd1234");

    private AdminPassword() {
    }

    /** Why {@code password} may not guard the admin account, or empty when it may. */
    public static Optional<String> weakness(String password) {
        String lower = password.strip().toLowerCase(Locale.ROOT);
        for (String mark : PLACEHOLDER_MARKS) {
            if (lower.contains(mark)) {
                return Optional.of("it is a placeholder (contains \"" + mark + "\")");
            }
        }
        if (password.codePointCount(0, password.length()) < MIN_LENGTH) {
            return Optional.of("it is shorter than " + MIN_LENGTH + " characters");
        }
        if (COMMON.contains(lower) || lower.chars().distinct().count() < 4) {
            return Optional.of("it is too easy to guess");
        }
        return Optional.empty();
    }
}
