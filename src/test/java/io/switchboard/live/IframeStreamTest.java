package io.switchboard.live;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Chat;
import io.switchboard.support.IframeClient;
import io.switchboard.support.Received;

/**
 * The hidden-iframe stream writes each frame as a script inside an HTML document, where a browser ends the
 * script at the first {@code </script} and reads {@code <!--} in it as the start of an escape: message text
 * that carries either must arrive as text, not as markup. The client reads the stream as a browser's
 * tokenizer does ({@link IframeClient#unsafeChunks()}).
 */
@QuarkusTest
class IframeStreamTest {

    private static final List<String> HOSTILE = List.of(
            "</script><script>parent.pwned = 1</script>",
            "a </SCRIPT > in capitals",
            "<!-- the rest is a comment",
            "<!--<script>",
            "line\u2028separator and paragraph\u2029separator",
            "& &amp; <b>bold</b> \"quoted\" 'single' \\ backslash");

    @TestHTTPResource("/")
    URI base;

    @Test
    void markupInMessageTextReachesTheIframeClientAsTextInWellFormedScripts() {
        Chat chat = Chat.start(base);
        try (IframeClient iframe = IframeClient.following(base, chat.visitorToken(), chat.id(), 0)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> iframe.opened() == 1);
            for (int i = 0; i < HOSTILE.size(); i++) {
                chat.send(chat.visitorToken(), "hostile-" + i, HOSTILE.get(i));
            }
            // The marker after the hostile ones: once it is in, everything before it was read or refused.
            chat.send(chat.visitorToken(), "hostile-end", "the end");
            await().atMost(Duration.ofSeconds(15)).until(() -> !iframe.unsafeChunks().isEmpty()
                    || iframe.received().stream().anyMatch(m -> m.text().equals("the end")));
            assertEquals(List.of(), iframe.unsafeChunks(), "chunks a browser would cut or misread");
            List<String> texts = iframe.received().stream().map(Received::text).toList();
            assertEquals(HOSTILE, texts.subList(0, HOSTILE.size()), "each text arrives whole, as text");
            for (String raw : iframe.rawFrames()) {
                assertTrue(raw.indexOf('<') < 0 && raw.indexOf('>') < 0, "markup characters are escaped: " + raw);
            }
        }
    }
}
