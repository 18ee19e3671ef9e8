package io.switchboard.attachment;

import java.text.Normalizer;

/**
 * A file name as the uploader's system gave it, made safe to store, show and offer back as a download name:
 * no directories (either separator), no control, bidi-override, zero-width or other format characters (an
 * {@code exe.pdf} written right to left), no leading dots, at most 120 characters with the extension kept.
 */
final class FileNames {

    static final int MAX = 120;
    static final String FALLBACK = "attachment";

    private FileNames() {
    }

    static String sanitise(String raw) {
        if (raw == null) {
            return FALLBACK;
        }
        String name = Normalizer.normalize(raw, Normalizer.Form.NFC);
        name = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
        StringBuilder clean = new StringBuilder(name.length());
        name.codePoints().forEach(c -> {
            if (Character.isWhitespace(c)) {
                clean.append(' '); // tabs and line breaks too: a name is one line
                return;
            }
            int type = Character.getType(c);
            if (type == Character.CONTROL || type == Character.FORMAT || type == Character.SURROGATE
                    || type == Character.PRIVATE_USE || type == Character.UNASSIGNED || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR) {
                return;
            }
            clean.appendCodePoint(c);
        });
        String result = clean.toString().strip().replaceAll(" {2,}", " ");
        while (result.startsWith(".")) {
            result = result.substring(1);
        }
        result = result.strip();
        if (result.isEmpty()) {
            return FALLBACK;
        }
        return shorten(result);
    }

    /** At most {@link #MAX} code points, cutting the stem and keeping a short extension. */
    private static String shorten(String name) {
        if (name.codePointCount(0, name.length()) <= MAX) {
            return name;
        }
        int dot = name.lastIndexOf('.');
        String extension = dot > 0 && name.length() - dot <= 10 ? name.substring(dot) : "";
        String stem = name.substring(0, name.length() - extension.length());
        int keep = MAX - extension.codePointCount(0, extension.length());
        return stem.substring(0, stem.offsetByCodePoints(0, keep)).strip() + extension;
    }
}
