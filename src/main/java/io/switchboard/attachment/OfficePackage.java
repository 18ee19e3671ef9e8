package io.switchboard.attachment;

import java.nio.charset.StandardCharsets;

/**
 * Is the start of a ZIP an Office Open XML package of a given kind? Read from the local file headers in the bytes
 * sniffed (no inflating, no reading past them): an Office package's entries are {@code [Content_Types].xml},
 * {@code _rels/…}, {@code docProps/…} and the document's part folder ({@code word/}, {@code xl/}, {@code ppt/}).
 * A package is recognised when at least one entry in view belongs to it and none belongs to another kind; a ZIP
 * whose first entries are anything else (an archive renamed {@code .docx}) is not one.
 */
final class OfficePackage {

    private static final int LOCAL_HEADER = 0x04034b50;

    private OfficePackage() {
    }

    static boolean is(byte[] head, String type) {
        String own = type.contains("wordprocessingml") ? "word/" : type.contains("spreadsheetml") ? "xl/"
                : type.contains("presentationml") ? "ppt/" : null;
        boolean seen = false;
        int at = 0;
        while (at + 30 <= head.length && le32(head, at) == LOCAL_HEADER) {
            int nameLength = le16(head, at + 26);
            int extraLength = le16(head, at + 28);
            long compressed = le32(head, at + 18) & 0xffffffffL;
            if (at + 30 + nameLength > head.length) {
                break;
            }
            String entry = new String(head, at + 30, nameLength, StandardCharsets.UTF_8);
            if (entry.equals("[Content_Types].xml") || entry.startsWith("_rels/") || entry.startsWith("docProps/")
                    || entry.startsWith("customXml/") || (own != null && entry.startsWith(own))) {
                seen = true;
            } else {
                return false; // another kind's part, or not an Office package at all
            }
            long next = at + 30L + nameLength + extraLength + compressed;
            if ((le16(head, at + 6) & 0x08) != 0) { // sizes in a data descriptor after the data: look for the next header
                next = nextHeader(head, at + 30 + nameLength);
            }
            if (next > head.length) {
                break; // the next entry is past what was sniffed
            }
            at = (int) next;
        }
        return seen;
    }

    private static long nextHeader(byte[] head, int from) {
        for (int i = Math.max(from, 0); i + 4 <= head.length; i++) {
            if (le32(head, i) == LOCAL_HEADER) {
                return i;
            }
        }
        return Long.MAX_VALUE;
    }

    private static int le16(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }

    private static int le32(byte[] b, int at) {
        return le16(b, at) | le16(b, at + 2) << 16;
    }
}
