package io.switchboard.email;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** #27: e-mails are in Simplified Chinese for Simplified readers only; Traditional Chinese falls back to English. */
class LettersLocaleTest {

    @Test
    void simplifiedChineseForSimplifiedReadersEnglishForTraditionalOnes() {
        for (String simplified : new String[] { "zh", "zh-CN", "zh-cn", "zh_CN", "zh-SG", "zh-Hans", "zh-Hans-CN" }) {
            assertEquals("zh-CN", Letters.locale(simplified), simplified);
        }
        for (String other : new String[] { "zh-TW", "zh-HK", "zh-MO", "zh-Hant", "zh-Hant-TW", "en", "ar", "zhx", "" }) {
            assertEquals("en", Letters.locale(other), other);
        }
        assertEquals("en", Letters.locale(null));
    }
}
