package io.switchboard.attachment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** File names as an uploader's system may send them, and what is kept. */
class FileNamesTest {

    @Test
    void directoriesAndDotsAreDropped() {
        assertEquals("passwd", FileNames.sanitise("../../etc/passwd"));
        assertEquals("report.pdf", FileNames.sanitise("C:\\Users\\me\\report.pdf"));
        assertEquals("bashrc", FileNames.sanitise(".bashrc"));
        assertEquals(FileNames.FALLBACK, FileNames.sanitise("..."));
        assertEquals(FileNames.FALLBACK, FileNames.sanitise(null));
        assertEquals(FileNames.FALLBACK, FileNames.sanitise("  \u200B "));
    }

    @Test
    void controlBidiAndZeroWidthCharactersAreRemoved() {
        // "invoice\u202Efdp.exe" shows as "invoiceexe.pdf" in a right-to-left override
        assertEquals("invoicefdp.exe", FileNames.sanitise("invoice\u202Efdp.exe"));
        assertEquals("a b.txt", FileNames.sanitise("a\tb\u0000\u200D\u0007.txt"));
        assertEquals("new line.txt", FileNames.sanitise("new\r\nline.txt"));
        assertEquals("报告 2026.pdf", FileNames.sanitise("报告\u2066 2026\u2069.pdf"));
    }

    @Test
    void longNamesKeepTheirExtension() {
        String name = FileNames.sanitise("x".repeat(500) + ".jpeg");
        assertEquals(FileNames.MAX, name.codePointCount(0, name.length()));
        assertTrue(name.endsWith(".jpeg"));
        String emoji = FileNames.sanitise("😀".repeat(200) + ".png");
        assertEquals(FileNames.MAX, emoji.codePointCount(0, emoji.length()));
        assertTrue(emoji.endsWith(".png"));
    }
}
