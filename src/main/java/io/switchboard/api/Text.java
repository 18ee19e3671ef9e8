package io.switchboard.api;

/** Checks on text that people send or are shown. */
public final class Text {

    private Text() {
    }

    /** What PostgreSQL text columns can store faithfully: no NUL, no unpaired UTF-16 surrogates. */
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

    /**
     * A name shown to other people: no invisible formatting characters (Unicode category Cf) that could
     * reorder or hide what the reader sees: bidi overrides and isolates (U+202A–U+202E, U+2066–U+2069, the
     * marks), zero-width spaces and joiners, the BOM. The zero-width (non-)joiner (U+200C, U+200D) stays
     * allowed between two visible characters, where Persian names and emoji sequences need it.
     */
    public static boolean displayable(String value) {
        int[] cps = value.codePoints().toArray();
        for (int i = 0; i < cps.length; i++) {
            int cp = cps[i];
            if (Character.getType(cp) != Character.FORMAT) {
                continue;
            }
            boolean joiner = cp == 0x200C || cp == 0x200D;
            if (!joiner || i == 0 || i == cps.length - 1 || !visible(cps[i - 1]) || !visible(cps[i + 1])) {
                return false;
            }
        }
        return true;
    }

    private static boolean visible(int cp) {
        return Character.getType(cp) != Character.FORMAT && !Character.isWhitespace(cp) && !Character.isISOControl(cp);
    }
}
