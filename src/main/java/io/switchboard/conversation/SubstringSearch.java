package io.switchboard.conversation;

import java.util.ArrayList;
import java.util.List;

/**
 * Search in scripts that words alone do not serve. The full-text index ({@code to_tsvector('simple', …)})
 * splits text at spaces and punctuation: Chinese and Japanese have no spaces, so "台灯" inside "我的台灯坏了" is
 * no word of its own; Arabic and Hebrew attach prefixes ("و", "ال", "ب"…), so "كتاب" inside "والكتاب" is not
 * either. A query with a letter of such a script is matched by substring instead — every term somewhere in the
 * text, case-insensitive ({@code ILIKE ALL}), served by a trigram index (pg_trgm) beside the tsvector — and its
 * excerpt is cut around the first term here. Other queries keep the full-text path (words, phrases, {@code -},
 * {@code or}), unchanged.
 */
final class SubstringSearch {

    /** Excerpt: characters shown either side of the first term. */
    private static final int CONTEXT = 40;

    private SubstringSearch() {
    }

    /** Does this query need substring matching (a letter of a script written without word boundaries, or with clitics)? */
    static boolean applies(String query) {
        return query.codePoints().anyMatch(cp -> switch (Character.UnicodeScript.of(cp)) {
            case HAN, HIRAGANA, KATAKANA, HANGUL, THAI, LAO, KHMER, MYANMAR, TIBETAN, ARABIC, HEBREW, SYRIAC, THAANA -> true;
            default -> false;
        });
    }

    /** The query's terms (split at spaces; quotes and a leading {@code -} dropped), as ILIKE patterns. */
    static List<String> patterns(String query) {
        List<String> patterns = new ArrayList<>();
        for (String term : terms(query)) {
            patterns.add("%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%");
        }
        return patterns;
    }

    static List<String> terms(String query) {
        List<String> terms = new ArrayList<>();
        for (String raw : query.strip().split("\\s+")) {
            String term = raw.replace("\"", "");
            while (term.startsWith("-")) {
                term = term.substring(1);
            }
            if (!term.isEmpty() && !term.equalsIgnoreCase("or")) {
                terms.add(term);
            }
        }
        return terms;
    }

    private static int indexIgnoringCase(String text, String term) {
        for (int i = 0; i + term.length() <= text.length(); i++) {
            if (text.regionMatches(true, i, term, 0, term.length())) {
                return i;
            }
        }
        return -1;
    }

    /** The text around the first term found, marked «like this», with … where it is cut. */
    static String excerpt(String text, String query) {
        if (text == null) {
            return null;
        }
        int at = -1;
        String found = "";
        for (String term : terms(query)) {
            int i = indexIgnoringCase(text, term);
            if (i >= 0 && (at < 0 || i < at)) {
                at = i;
                found = term;
            }
        }
        if (at < 0) {
            return text.length() <= 2 * CONTEXT ? text : text.substring(0, 2 * CONTEXT) + "…";
        }
        int end = at + found.length();
        int from = Math.max(0, at - CONTEXT);
        int to = Math.min(text.length(), end + CONTEXT);
        // Never cut a surrogate pair in two.
        if (from > 0 && Character.isLowSurrogate(text.charAt(from))) {
            from--;
        }
        if (to < text.length() && Character.isLowSurrogate(text.charAt(to))) {
            to++;
        }
        return (from > 0 ? "…" : "") + text.substring(from, at) + "«" + text.substring(at, end) + "»" + text.substring(end, to)
                + (to < text.length() ? "…" : "");
    }
}
