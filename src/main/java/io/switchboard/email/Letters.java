package io.switchboard.email;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What an e-mail says, in the visitor's language (English or Simplified Chinese), as plain text and as HTML.
 * Everything a participant wrote — names, messages, file names — is escaped in the HTML and never taken as
 * markup; the HTML has no scripts, no remote images and inline styles only.
 */
final class Letters {

    private Letters() {
    }

    /** One line of a conversation as mailed. */
    record Line(String author, boolean fromVisitor, Instant at, String text, List<String> files) {
    }

    /** A composed e-mail. */
    record Letter(String subject, String text, String html) {
    }

    private static final Map<String, Map<String, String>> STRINGS = Map.of(
            "en", Map.of(
                    "repliesSubject", "New reply from {agent}",
                    "repliesSubjectMany", "{n} new replies to your conversation",
                    "repliesIntro", "Hello {visitor}, you have a reply you have not read yet:",
                    "repliesIntroMany", "Hello {visitor}, you have {n} replies you have not read yet:",
                    "continue", "Continue the conversation",
                    "transcriptSubject", "Transcript of your conversation #{id}",
                    "transcriptIntro", "Hello {visitor}, here is your conversation #{id}:",
                    "unsubscribe", "Do not e-mail me about this chat any more",
                    "you", "You",
                    "files", "Files"),
            "zh-CN", Map.of(
                    "repliesSubject", "{agent} 回复了您",
                    "repliesSubjectMany", "您的对话有 {n} 条新回复",
                    "repliesIntro", "{visitor}，您好！您有一条未读回复：",
                    "repliesIntroMany", "{visitor}，您好！您有 {n} 条未读回复：",
                    "continue", "继续对话",
                    "transcriptSubject", "对话 #{id} 的记录",
                    "transcriptIntro", "{visitor}，您好！以下是您的对话 #{id}：",
                    "unsubscribe", "不再通过电子邮件接收此对话的通知",
                    "you", "您",
                    "files", "文件"));

    /** The confirmation letter's words: nothing in it comes from the visitor (a name could carry a lure). */
    private static final Map<String, Map<String, String>> CONFIRM = Map.of(
            "en", Map.of(
                    "subject", "Confirm your e-mail address",
                    "intro", "Hello, someone asked for a copy of a support conversation to be sent to this address. "
                            + "If that was you, confirm the address and the copy follows. If not, ignore this e-mail: "
                            + "nothing else will be sent.",
                    "button", "Confirm this address"),
            "zh-CN", Map.of(
                    "subject", "请确认您的电子邮箱",
                    "intro", "您好！有人请求将一段客服对话的记录发送到此邮箱。如果是您本人，请确认邮箱，记录随后发送；"
                            + "如果不是，请忽略本邮件，我们不会再发送任何内容。",
                    "button", "确认此邮箱"));

    /** Simplified Chinese for {@code zh}, {@code zh-CN}, {@code zh-SG}, {@code zh-Hans…}; anything else English. */
    static String locale(String language) {
        return language != null && SIMPLIFIED_CHINESE.matcher(language).find() ? "zh-CN" : "en";
    }

    /** zh, zh-CN, zh-SG, zh-Hans…; Traditional Chinese (zh-TW, zh-HK, zh-Hant) falls back to English, as in the widget. */
    private static final Pattern SIMPLIFIED_CHINESE =
            Pattern.compile("^zh(?:$|[-_](?:cn|sg|hans)\\b)", Pattern.CASE_INSENSITIVE);

    static Letter replies(String locale, String visitor, List<Line> unread, String continueUrl, String unsubscribeUrl) {
        Map<String, String> s = STRINGS.get(locale);
        int n = unread.size();
        String subject = n == 1 ? fill(s.get("repliesSubject"), "agent", unread.get(0).author())
                : fill(s.get("repliesSubjectMany"), "n", String.valueOf(n));
        String intro = fill(fill(s.get(n == 1 ? "repliesIntro" : "repliesIntroMany"), "visitor", visitor), "n", String.valueOf(n));
        return letter(locale, subject, intro, unread, continueUrl, unsubscribeUrl);
    }

    static Letter transcript(String locale, String visitor, long conversationId, List<Line> lines, String continueUrl,
            String unsubscribeUrl) {
        Map<String, String> s = STRINGS.get(locale);
        String id = String.valueOf(conversationId);
        return letter(locale, fill(s.get("transcriptSubject"), "id", id),
                fill(fill(s.get("transcriptIntro"), "visitor", visitor), "id", id), lines, continueUrl, unsubscribeUrl);
    }

    /** Asks the address's owner to confirm it (before any transcript goes there). */
    static Letter confirm(String locale, String confirmUrl) {
        Map<String, String> c = CONFIRM.get(locale);
        String text = c.get("intro") + "\n\n" + c.get("button") + ": " + confirmUrl + "\n";
        return new Letter(c.get("subject"), text, html(c.get("intro"), List.of(), locale, confirmUrl, c.get("button"), null, null));
    }

    /** To the team (English): a visitor wrote while nobody was online. */
    static Letter teamAlert(String visitor, String email, long conversationId, List<Line> lines, String consoleUrl) {
        String subject = "New message from " + visitor + " while nobody was online (#" + conversationId + ")";
        String intro = visitor + (email == null ? "" : " <" + email + ">") + " wrote while no agent was online:";
        return new Letter(subject, text(intro, lines, "en") + "\nAnswer in the console: " + consoleUrl + "\n",
                html(intro, lines, "en", consoleUrl, "Answer in the console", null, null));
    }

    private static Letter letter(String locale, String subject, String intro, List<Line> lines, String continueUrl,
            String unsubscribeUrl) {
        Map<String, String> s = STRINGS.get(locale);
        String text = text(intro, lines, locale) + "\n" + s.get("continue") + ": " + continueUrl + "\n\n-- \n"
                + s.get("unsubscribe") + ": " + unsubscribeUrl + "\n";
        return new Letter(subject, text, html(intro, lines, locale, continueUrl, s.get("continue"), unsubscribeUrl, s.get("unsubscribe")));
    }

    private static String text(String intro, List<Line> lines, String locale) {
        StringBuilder b = new StringBuilder(intro).append("\n\n");
        for (Line line : lines) {
            b.append(author(line, locale)).append(" (").append(time(line.at())).append("):\n");
            line.text().lines().forEach(l -> b.append("  ").append(l).append('\n'));
            if (!line.files().isEmpty()) {
                b.append("  [").append(STRINGS.get(locale).get("files")).append(": ").append(String.join(", ", line.files())).append("]\n");
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static String html(String intro, List<Line> lines, String locale, String actionUrl, String action,
            String unsubscribeUrl, String unsubscribe) {
        StringBuilder b = new StringBuilder("<!DOCTYPE html><html lang=\"").append(locale).append("\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width\"></head>")
                .append("<body style=\"font-family:sans-serif;color:#1f2328;max-width:600px\"><p>").append(escape(intro)).append("</p>");
        for (Line line : lines) {
            b.append("<div style=\"margin:12px 0;padding:8px 12px;border-radius:8px;background:")
                    .append(line.fromVisitor() ? "#ddf4ff" : "#f6f8fa").append("\"><div style=\"font-size:12px;color:#57606a\">")
                    .append(escape(author(line, locale))).append(" · ").append(escape(time(line.at())))
                    .append("</div><div dir=\"auto\" style=\"white-space:pre-wrap\">").append(escape(line.text())).append("</div>");
            if (!line.files().isEmpty()) {
                b.append("<div style=\"font-size:12px\">").append(escape(STRINGS.get(locale).get("files"))).append(": ")
                        .append(escape(String.join(", ", line.files()))).append("</div>");
            }
            b.append("</div>");
        }
        b.append("<p><a href=\"").append(escape(actionUrl)).append("\" style=\"display:inline-block;padding:8px 14px;")
                .append("background:#0969da;color:#ffffff;border-radius:6px;text-decoration:none\">").append(escape(action)).append("</a></p>");
        if (unsubscribeUrl != null) {
            b.append("<p style=\"font-size:12px;color:#57606a\"><a href=\"").append(escape(unsubscribeUrl)).append("\">")
                    .append(escape(unsubscribe)).append("</a></p>");
        }
        return b.append("</body></html>").toString();
    }

    private static String author(Line line, String locale) {
        return line.fromVisitor() ? STRINGS.get(locale).get("you") : line.author();
    }

    private static String time(Instant at) {
        return DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneId.of("UTC")).format(at);
    }

    private static String fill(String template, String key, String value) {
        return template.replace("{" + key + "}", value);
    }

    /** HTML text and attribute escaping: what a participant wrote stays text. */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        s.codePoints().forEach(c -> {
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.appendCodePoint(c);
            }
        });
        return b.toString();
    }
}
