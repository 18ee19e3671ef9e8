package io.switchboard.api;

/** What PostgreSQL text columns can store faithfully: no NUL, no unpaired UTF-16 surrogates. */
public final class Text {

    private Text() {
    }

    public static boolean storable(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == 0) {
                return false;
            }
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }
}
