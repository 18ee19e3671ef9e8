package io.switchboard.web;

import static io.switchboard.support.Browser.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;


import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.switchboard.support.Api;
import io.switchboard.support.Browser;
import io.switchboard.support.Chat;
import io.switchboard.support.Json;
import io.switchboard.support.RequiresBrowser;
import io.switchboard.support.SiteIdentity;
import io.switchboard.support.TcpProxy;
import io.switchboard.support.WebhookReceiver;

/**
 * The widget and the console in real headless Chromium, each browser its own context, against the real
 * service and PostgreSQL. Acceptance of issue #3.
 * <p>
 * The class has a Quarkus boot of its own ({@link OwnData}), and so a database of its own
 * ({@code EmbeddedPostgresResource} starts one per boot): what the other suites leave waiting cannot crowd
 * its conversations out of the console's waiting list, and each test waits for the state it needs (nobody
 * online, say) instead of relying on the tests before it.
 */
@QuarkusTest
@RequiresBrowser
@TestProfile(WidgetAndConsoleBrowserTest.OwnData.class)
class WidgetAndConsoleBrowserTest {

    /** The test configuration unchanged; a profile of its own gives the class its own boot and database. */
    public static class OwnData implements QuarkusTestProfile {
    }

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TestHTTPResource("/")
    URI base;

    // ---- 5: nobody online → offline form; the first agent to log in finds the message -------------------
    @Test
    void withNoAgentOnlineTheVisitorLeavesAMessageThatTheFirstAgentSees() {
        Api api = new Api(base);
        eventually(Duration.ofSeconds(40), () -> Json.parse(api.get(null, "/api/presence").body()).get("agentsOnline").asLong(),
                online -> online == 0);
        String name = "Olga " + System.nanoTime() % 100000;
        try (Browser visitor = new Browser()) {
            visitor.open(base + "demo.html");
            openWidget(visitor);
            WebElement form = eventually(WAIT, () -> visitor.inWidget(".sbw-offline"), WebElement::isDisplayed);
            assertTrue(!visitor.inWidget(".sbw-composer").isDisplayed(), "the chat composer hides behind the offline form");
            // #14, defect 10: the status line agrees with the form (it said "We usually reply in a few minutes"),
            // and the form's limits are the server's.
            eventually(WAIT, () -> visitor.inWidget(".sbw-status").getText(), "No agent is online; we will answer later."::equals);
            assertEquals("80", form.findElement(By.cssSelector("input[name=name]")).getAttribute("maxlength"));
            // #27: the e-mail field looks like the name field: dark text on white, in the same column (it shared a
            // class with the header's ✉ button and showed typed text white on white, 100 px to the right).
            WebElement nameField = form.findElement(By.cssSelector("input[name=name]"));
            WebElement emailField = form.findElement(By.cssSelector("input[name=email]"));
            assertEquals(nameField.getCssValue("color"), emailField.getCssValue("color"), "the e-mail field's text colour");
            assertEquals(nameField.getCssValue("background-color"), emailField.getCssValue("background-color"));
            assertEquals(nameField.getRect().getX(), emailField.getRect().getX(), "the e-mail field's left edge");
            assertEquals(nameField.getRect().getWidth(), emailField.getRect().getWidth(), "the e-mail field's width");
            // #14, defect 10: errors in the widget's words, tied to their field and announced (it showed the
            // server's English sentence under the form, or the browser's bubble).
            form.findElement(By.cssSelector("input[name=email]")).sendKeys("olga@");
            form.findElement(By.cssSelector(".sbw-leave")).click();
            WebElement message = form.findElement(By.cssSelector("textarea[name=message]"));
            WebElement email = form.findElement(By.cssSelector("input[name=email]"));
            eventually(WAIT, () -> message.getAttribute("aria-invalid"), "true"::equals);
            assertEquals("true", email.getAttribute("aria-invalid"));
            WebElement messageError = visitor.inWidget("#" + message.getAttribute("aria-describedby"));
            assertEquals("Please write your message.", messageError.getText());
            assertEquals("alert", messageError.getAttribute("role"));
            assertEquals("Please enter an e-mail address like name@example.com.",
                    visitor.inWidget("#" + email.getAttribute("aria-describedby")).getText());
            assertEquals(message.getAttribute("id"), visitor.inWidget(":focus").getAttribute("id"), "the first field in error has the focus");
            assertEquals(0, stored(api, conversationOrZero(visitor)), "nothing was sent");
            email.clear();
            form.findElement(By.cssSelector("input[name=name]")).sendKeys(name);
            form.findElement(By.cssSelector("input[name=email]")).sendKeys("olga@example.com");
            form.findElement(By.cssSelector("textarea[name=message]")).sendKeys("Please call me back about order 1142");
            assertAccessible(visitor, "the widget's offline form");
            visitor.screenshot("widget-offline-form");
            form.findElement(By.cssSelector(".sbw-leave")).click();
            eventually(WAIT, () -> visitor.allInWidget(".sbw-mine .sbw-state"), l -> l.size() == 1
                    && l.get(0).getText().equals("Sent"));
            long conversation = conversationOf(visitor);

            JsonNode stored = Json.parse(api.get(api.agentToken(), "/api/conversations/" + conversation + "/messages").body());
            assertEquals(1, stored.size());
            assertEquals("Please call me back about order 1142", stored.get(0).get("text").asText());
            assertEquals(name, stored.get(0).get("author").get("name").asText());

            Agent first = newAgent(api, "First");
            try (Browser console = console(first, "")) {
                eventually(WAIT, () -> waitingEntry(console, conversation).getText(), t -> t.contains(name));
                openFromWaitingList(console, conversation);
                eventually(WAIT, () -> texts(console, "#messages .text"),
                        t -> t.equals(List.of("Please call me back about order 1142")));
                // #14, defect 11: the e-mail the visitor left is there for the agent who calls back.
                eventually(WAIT, () -> console.find("#conversation-email").getText(), "olga@example.com"::equals);
            }
        }
    }

    /**
     * A visitor who gives her name after she started is shown by it everywhere an agent looks, the typing
     * line included (it kept the random name the connection began with; #14, defect 11).
     */
    @Test
    void aVisitorsNewNameReachesTheConsoleTitleAndTypingLine() {
        Chat chat = Chat.start(base);
        chat.send(chat.visitorToken(), "named-" + chat.id(), "Hi, quick question");
        Agent agent = newAgent(chat.api(), "Tess");
        try (Browser console = console(agent, "")) {
            openFromWaitingList(console, chat.id());
            eventually(WAIT, () -> texts(console, "#messages .text"), List.of("Hi, quick question")::equals);
            String before = console.find("#conversation-title").getText();
            Api.expect(200, chat.api().request("PATCH", "/api/visitors/me", chat.visitorToken(),
                    Json.object().put("name", "Margarethe").put("email", "m@example.com").toString()));
            eventually(WAIT, () -> console.find("#conversation-title").getText(), "Margarethe"::equals);
            eventually(WAIT, () -> console.find("#conversation-email").getText(), "m@example.com"::equals);
            Api.expect(204, chat.api().request("POST", "/api/conversations/" + chat.id() + "/typing", chat.visitorToken(),
                    Json.object().put("state", "start").toString()));
            eventually(WAIT, () -> console.find("#typing").getText(), "Margarethe is typing…"::equals);
            assertTrue(!before.equals("Margarethe"));
        }
    }

    // ---- 1 and 7: the seed's interaction, typing and read state both ways, screenshots -------------------
    @Test
    void visitorWritesAgentPicksItFromTheWaitingListAndRepliesWithTypingAndReadState() throws Exception {
        Api api = new Api(base);
        Agent alice = newAgent(api, "Alice");
        try (Browser console = console(alice, ""); Browser visitor = new Browser()) {
            visitor.open(base + "demo.html");
            openWidget(visitor);
            WebElement input = eventually(WAIT, () -> visitor.inWidget(".sbw-input"), WebElement::isDisplayed);
            input.sendKeys("Hello, my lamp flickers" + Keys.ENTER);
            long conversation = conversationOf(visitor);

            eventually(WAIT, () -> waitingEntry(console, conversation).findElement(By.cssSelector(".unread")).getText(),
                    "1"::equals); // one unread message
            openFromWaitingList(console, conversation);
            eventually(WAIT, () -> texts(console, "#messages .text"), t -> t.equals(List.of("Hello, my lamp flickers")));

            // The visitor's message is read by the agent: the widget says so.
            eventually(WAIT, () -> visitor.allInWidget(".sbw-mine .sbw-state"),
                    l -> l.size() == 1 && l.get(0).getText().equals("Read"));

            // Agent typing → the visitor sees it.
            console.find("#reply").sendKeys("Have you tried");
            WebElement typing = eventually(WAIT, () -> visitor.inWidget(".sbw-typing"), WebElement::isDisplayed);
            assertEquals("Alice is typing…", typing.getText());
            console.find("#reply").sendKeys(" a new bulb?" + Keys.ENTER);

            eventually(WAIT, () -> texts(visitor.allInWidget(".sbw-theirs .sbw-text")),
                    t -> t.equals(List.of("Have you tried a new bulb?")));
            eventually(WAIT, () -> texts(visitor.allInWidget(".sbw-notice .sbw-notice-text")), t -> t.contains("Alice joined the conversation."));
            // The visitor has the panel open, so the agent's reply is read.
            eventually(WAIT, () -> texts(console, "#messages .message.agent .state"), t -> t.equals(List.of("Read")));

            // Visitor typing → the agent sees it.
            visitor.inWidget(".sbw-input").sendKeys("Yes, twice");
            eventually(WAIT, () -> console.find("#typing"), WebElement::isDisplayed);
            assertTrue(console.find("#typing").getText().endsWith("is typing…"));
            visitor.inWidget(".sbw-input").sendKeys(Keys.ENTER);
            eventually(WAIT, () -> texts(console, "#messages .text"),
                    t -> t.equals(List.of("Hello, my lamp flickers", "Have you tried a new bulb?", "Yes, twice")));

            // Reload: the visitor keeps its identity and sees the history.
            visitor.open(base + "demo.html");
            eventually(WAIT, () -> texts(visitor.allInWidget(".sbw-text")),
                    t -> t.equals(List.of("Hello, my lamp flickers", "Have you tried a new bulb?", "Yes, twice")));
            assertEquals(conversation, conversationOf(visitor));

            // 7: screenshots of both sides.
            assertTrue(Files.size(visitor.screenshot("widget")) > 10_000);
            assertTrue(Files.size(console.screenshot("console")) > 10_000);
        }
    }

    // ---- 2: the same conversation over each forced transport -------------------------------------------
    @Test
    void theSameConversationWorksOverEveryForcedTransport() {
        Api api = new Api(base);
        Agent agent = newAgent(api, "Tess");
        List<String> expected = new ArrayList<>();
        try (Browser console = console(agent, ""); Browser visitor = new Browser(420, 760)) {
            long conversation = -1;
            for (String transport : List.of("websocket", "sse", "longpoll", "iframe", "poll")) {
                visitor.open(base + "demo.html?transport=" + transport);
                openWidget(visitor);
                eventually(WAIT, () -> visitor.inWidget(".sbw-input"), WebElement::isDisplayed)
                        .sendKeys("visitor over " + transport + Keys.ENTER);
                expected.add("visitor over " + transport);
                conversation = conversationOf(visitor);
                eventually(WAIT, () -> visitor.widget().findElement(By.cssSelector(".sbw-launcher")), e -> true);
                // (Set once its link opens, which may be a moment after the conversation exists.)
                eventually(WAIT, () -> (String) visitor.script(
                        "return document.getElementById('switchboard-widget').dataset.transport"), transport::equals);

                console.open(base + "console/?transport=" + transport);
                eventually(WAIT, () -> console.find("body").getAttribute("data-state"), "online"::equals);
                assertEquals(transport, console.find("body").getAttribute("data-transport"));
                long id = conversation;
                click(console, "li[data-conversation-id='" + id + "']");
                List<String> sofar = List.copyOf(expected);
                eventually(WAIT, () -> texts(console, "#messages .text"), sofar::equals);
                console.find("#reply").sendKeys("agent over " + transport + Keys.ENTER);
                expected.add("agent over " + transport);
                List<String> all = List.copyOf(expected);
                eventually(WAIT, () -> texts(visitor.allInWidget(".sbw-text")), all::equals);
                eventually(WAIT, () -> texts(console, "#messages .text"), all::equals);
            }
            JsonNode stored = Json.parse(api.get(api.agentToken(), "/api/conversations/" + conversation + "/messages").body());
            List<String> storedTexts = new ArrayList<>();
            stored.forEach(m -> {
                if (!m.get("author").get("kind").asText().equals("system")) { // "Tess joined the conversation"
                    storedTexts.add(m.get("text").asText());
                }
            });
            assertEquals(expected, storedTexts, "every message stored once, in order");
        }
    }

    // ---- 3: the network drops while the visitor sends 5 messages ---------------------------------------
    @Test
    void messagesSentWhileTheConnectionIsCutArriveExactlyOnceInOrderWithoutAReload() {
        Api api = new Api(base);
        Agent agent = newAgent(api, "Rita");
        try (TcpProxy proxy = new TcpProxy(base.getPort()); Browser console = console(agent, "");
                Browser visitor = new Browser(420, 760)) {
            String page = "http://localhost:" + proxy.port() + "/demo.html";
            visitor.open(page);
            openWidget(visitor);
            eventually(WAIT, () -> visitor.inWidget(".sbw-input"), WebElement::isDisplayed).sendKeys("before the cut" + Keys.ENTER);
            eventually(WAIT, () -> texts(visitor.allInWidget(".sbw-mine .sbw-state")), t -> t.equals(List.of("Sent")));
            long conversation = conversationOf(visitor);
            visitor.script("window.__notReloaded = 'yes'");

            proxy.cut();
            eventually(WAIT, () -> hostData(visitor, "state"), "reconnecting"::equals);
            for (int i = 1; i <= 5; i++) {
                visitor.inWidget(".sbw-input").sendKeys("offline " + i + Keys.ENTER);
            }
            eventually(WAIT, () -> texts(visitor.allInWidget(".sbw-mine .sbw-state")),
                    t -> t.size() == 6 && t.subList(1, 6).stream().allMatch("Sending…"::equals));
            assertTrue(visitor.inWidget(".sbw-status").getText().startsWith("Reconnecting"));
            visitor.screenshot("widget-reconnecting");
            proxy.restore();

            eventually(Duration.ofSeconds(40), () -> texts(visitor.allInWidget(".sbw-mine .sbw-state")),
                    t -> t.size() == 6 && t.stream().allMatch("Sent"::equals));
            assertEquals("online", hostData(visitor, "state"));
            assertEquals("yes", visitor.script("return window.__notReloaded"), "recovered without a reload");

            List<String> expected = List.of("before the cut", "offline 1", "offline 2", "offline 3", "offline 4", "offline 5");
            assertEquals(expected, texts(visitor.allInWidget(".sbw-text")), "shown once each, in order");
            JsonNode stored = Json.parse(api.get(api.agentToken(), "/api/conversations/" + conversation + "/messages").body());
            List<String> storedTexts = new ArrayList<>();
            List<Long> seqs = new ArrayList<>();
            stored.forEach(m -> {
                storedTexts.add(m.get("text").asText());
                seqs.add(m.get("seq").asLong());
            });
            assertEquals(expected, storedTexts, "stored exactly once, in order");
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), seqs);
            // The agent, who was never cut off, sees the same six once each.
            openFromWaitingList(console, conversation);
            eventually(WAIT, () -> texts(console, "#messages .text"), expected::equals);
        }
    }

    /**
     * A link that silently stops carrying anything (no FIN, no RST: a dropped Wi-Fi, a NAT that forgot the
     * flow) is noticed within seconds, not after the TCP timeout: the widget says it is reconnecting, a
     * message typed meanwhile waits in the outbox, and everything arrives once when the network is back.
     * (Before the pong deadline it stayed "online" for 85-90 s; #14, defect 4.)
     */
    @Test
    void aLinkThatSilentlyStopsIsNoticedWithinSecondsAndRecovers() {
        Agent agent = newAgent(new Api(base), "Sven"); // an agent online: the widget shows the chat, not the offline form
        try (TcpProxy proxy = new TcpProxy(base.getPort()); Browser console = console(agent, "");
                Browser visitor = new Browser(420, 760)) {
            visitor.open("http://localhost:" + proxy.port() + "/demo.html");
            openWidget(visitor);
            eventually(WAIT, () -> visitor.inWidget(".sbw-input"), WebElement::isDisplayed).sendKeys("before the stall" + Keys.ENTER);
            eventually(WAIT, () -> texts(visitor.allInWidget(".sbw-mine .sbw-state")), t -> t.equals(List.of("Sent")));
            long conversation = conversationOf(visitor);

            proxy.stall();
            long stalled = System.nanoTime();
            eventually(Duration.ofSeconds(20), () -> hostData(visitor, "state"), "reconnecting"::equals);
            long noticedMs = (System.nanoTime() - stalled) / 1_000_000;
            System.out.printf("a silently dead link was noticed after %d ms%n", noticedMs);
            visitor.inWidget(".sbw-input").sendKeys("during the stall" + Keys.ENTER);
            proxy.resume();

            eventually(Duration.ofSeconds(40), () -> texts(visitor.allInWidget(".sbw-mine .sbw-state")),
                    t -> t.size() == 2 && t.stream().allMatch("Sent"::equals));
            assertEquals("online", hostData(visitor, "state"));
            assertEquals(List.of("before the stall", "during the stall"), storedTexts(new Api(base), conversation),
                    "stored once each, in order");
        }
    }

    /**
     * Messages that cross (each side writes while the other's message is on its way) show in the store's
     * order on both screens: a side's own pending bubble stays below the last confirmed message and moves
     * into place when it is acknowledged. (Each side appended its own bubble at once and never moved it, so
     * the two screens disagreed and a reload changed the order; #14, defect 1.)
     */
    @Test
    void crossingMessagesShowInTheStoresOrderOnBothScreens() {
        Api api = new Api(base);
        Agent agent = newAgent(api, "Cora");
        try (TcpProxy visitorLink = new TcpProxy(base.getPort()); TcpProxy agentLink = new TcpProxy(base.getPort());
                Browser console = console("http://localhost:" + agentLink.port() + "/", agent, "");
                Browser visitor = new Browser(420, 760)) {
            String page = "http://localhost:" + visitorLink.port() + "/demo.html";
            visitor.open(page);
            openWidget(visitor);
            eventually(WAIT, () -> visitor.inWidget(".sbw-input"), WebElement::isDisplayed).sendKeys("first" + Keys.ENTER);
            long conversation = conversationOf(visitor);
            openFromWaitingList(console, conversation);
            eventually(WAIT, () -> texts(console, "#messages .text"), List.of("first")::equals);

            // The visitor writes while the agent's answer is on its way to it: stored answer, then question.
            visitorLink.stall();
            visitor.inWidget(".sbw-input").sendKeys("question" + Keys.ENTER);
            console.find("#reply").sendKeys("answer" + Keys.ENTER);
            eventually(WAIT, () -> storedTexts(api, conversation), List.of("first", "answer")::equals);
            visitorLink.resume();
            List<String> order = List.of("first", "answer", "question");
            eventually(WAIT, () -> storedTexts(api, conversation), order::equals);
            eventually(WAIT, () -> texts(visitor.allInWidget(".sbw-text")), order::equals);
            eventually(WAIT, () -> texts(console, "#messages .text"), order::equals);

            // And the other way round: the agent writes while the visitor's next message is on its way.
            agentLink.stall();
            console.find("#reply").sendKeys("second answer" + Keys.ENTER);
            visitor.inWidget(".sbw-input").sendKeys("another" + Keys.ENTER);
            eventually(WAIT, () -> storedTexts(api, conversation), List.of("first", "answer", "question", "another")::equals);
            agentLink.resume();
            List<String> all = List.of("first", "answer", "question", "another", "second answer");
            eventually(WAIT, () -> storedTexts(api, conversation), all::equals);
            eventually(WAIT, () -> texts(console, "#messages .text"), all::equals);
            eventually(WAIT, () -> texts(visitor.allInWidget(".sbw-text")), all::equals);

            visitor.open(page); // a reload shows the same order
            eventually(WAIT, () -> texts(visitor.allInWidget(".sbw-text")), all::equals);
        }
    }

    /**
     * A new visitor's first message, written while the network is down, is not lost: it waits as "Sending…"
     * (the visitor and the conversation are created when the network is back) and arrives once. (It was
     * marked failed at once and never sent; #14, defect 2.)
     */
    @Test
    void aNewVisitorsFirstMessageWaitsForTheNetworkInsteadOfFailing() {
        Agent agent = newAgent(new Api(base), "Nina");
        try (TcpProxy proxy = new TcpProxy(base.getPort()); Browser console = console(agent, "");
                Browser visitor = new Browser(420, 760)) {
            visitor.open("http://localhost:" + proxy.port() + "/demo.html");
            openWidget(visitor);
            WebElement input = eventually(WAIT, () -> visitor.inWidget(".sbw-input"), WebElement::isDisplayed);
            proxy.cut();
            int before = proxy.refusedConnections();
            input.sendKeys("my very first message" + Keys.ENTER);
            // Several attempts to create the visitor fail meanwhile.
            eventually(WAIT, proxy::refusedConnections, n -> n >= before + 3);
            assertEquals(List.of("Sending…"), texts(visitor.allInWidget(".sbw-mine .sbw-state")), "waiting, not failed");
            assertNull(hostData(visitor, "conversationId"));
            proxy.restore();

            eventually(Duration.ofSeconds(40), () -> texts(visitor.allInWidget(".sbw-mine .sbw-state")),
                    List.of("Sent")::equals);
            assertEquals(List.of("my very first message"), storedTexts(new Api(base), conversationOf(visitor)), "stored once");
        }
    }

    /**
     * An agent whose console runs on long-poll (a proxy that allows neither WebSocket nor streaming) is
     * online for visitors, and its Online/Away choice takes effect. (Such an agent counted as offline, so
     * visitors got "We are away" while she worked, and the selector did nothing; #14, defect 3.)
     */
    @Test
    void anAgentOnLongPollIsOnlineForVisitorsAndCanGoAway() {
        Api api = new Api(base);
        eventually(Duration.ofSeconds(40), () -> Json.parse(api.get(null, "/api/presence").body()).get("agentsOnline").asLong(),
                online -> online == 0);
        Agent agent = newAgent(api, "Lena");
        Agent colleague = newAgent(api, "Max");
        try (Browser console = new Browser(); Browser visitor = new Browser(420, 760)) {
            console.grantNotifications(base.toString().replaceAll("/$", ""));
            console.onEveryPage(RECORD_NOTIFICATIONS);
            logIn(console, base.toString(), agent, "?transport=longpoll");
            assertEquals("longpoll", console.find("body").getAttribute("data-transport"));
            eventually(WAIT, () -> agentStatus(api, agent), "online"::equals);
            visitor.open(base + "demo.html");
            openWidget(visitor);
            eventually(WAIT, () -> visitor.inWidget(".sbw-input"), WebElement::isDisplayed); // the chat, not the offline form

            new org.openqa.selenium.support.ui.Select(console.find("#availability")).selectByValue("away");
            eventually(WAIT, () -> agentStatus(api, agent), "away"::equals);
            eventually(WAIT, () -> Json.parse(api.get(null, "/api/presence").body()).get("agentsOnline").asLong(), n -> n == 0);
            // #27: the open widget follows at once, both ways (its availability long-poll is woken by the
            // announcement; it looked every 30 s, so the offline form stayed ~25 s after an agent came back).
            Duration promptly = Duration.ofSeconds(10);
            eventually(promptly, () -> visitor.inWidget(".sbw-offline"), WebElement::isDisplayed);
            new org.openqa.selenium.support.ui.Select(console.find("#availability")).selectByValue("online");
            eventually(promptly, () -> visitor.inWidget(".sbw-input"), WebElement::isDisplayed);

            // #27: on long-poll too, a new visitor and an @mention are desktop notifications, and the visitor
            // typing shows in the open conversation (none of them reached long-poll before).
            visitor.inWidget(".sbw-input").sendKeys("Is anyone there?" + Keys.ENTER);
            long conversation = conversationOf(visitor);
            String visitorName = Json.parse(api.get(api.agentToken(), "/api/conversations/" + conversation).body())
                    .get("visitor").get("name").asText();
            eventually(WAIT, () -> notifications(console), n -> n.contains(visitorName + " is waiting | Waiting for an agent"));
            Api.expect(201, api.request("POST", "/api/conversations/" + conversation + "/messages",
                    api.agentToken(colleague.username, colleague.password),
                    Json.object().put("text", "@" + agent.username + " she needs you").put("internal", true).toString()));
            eventually(WAIT, () -> notifications(console), n -> n.contains(colleague.name + " mentioned you | " + visitorName));
            console.script("location.hash = arguments[0]", "#/c/" + conversation);
            eventually(WAIT, () -> texts(console, "#messages .text"), t -> t.contains("Is anyone there?"));
            visitor.inWidget(".sbw-input").sendKeys("I have a question");
            eventually(WAIT, () -> console.find("#typing"), WebElement::isDisplayed);
            assertTrue(console.find("#typing").getText().contains("typing"), console.find("#typing").getText());
        }
    }

    /**
     * The waiting list is the queue: longest waiting first (what the widget tells each visitor), counted by
     * the server, the same for every agent, and paged past 100. (It was capped at 100, newest first, and
     * its counter said 100 with 105 waiting; #14, defect 5.)
     */
    @Test
    void theWaitingListIsTheQueueInOrderCountedByTheServerAndPaged() {
        Api api = new Api(base);
        List<Long> created = new ArrayList<>();
        for (int i = 0; i < 105; i++) {
            created.add(api.conversation(api.newVisitor().token()));
        }
        JsonNode firstPage = Json.parse(api.get(api.agentToken(), "/api/conversations?status=waiting&size=100").body());
        long total = firstPage.get("total").asLong();
        List<Long> queueOrder = new ArrayList<>();
        firstPage.get("items").forEach(c -> queueOrder.add(c.get("id").asLong()));
        assertTrue(total >= 105 && queueOrder.size() == 100, total + " waiting");
        Agent first = newAgent(api, "Quinn");
        Agent second = newAgent(api, "Rosa");
        try (Browser a = console(first, ""); Browser b = console(second, "")) {
            for (Browser console : List.of(a, b)) {
                eventually(WAIT, () -> console.find("#waiting-count").getText(), String.valueOf(total)::equals);
                eventually(WAIT, () -> waitingIds(console), queueOrder::equals);
            }
            while (a.find("#waiting-more").isDisplayed()) {
                int shown = waitingIds(a).size();
                a.find("#waiting-more").click();
                eventually(WAIT, () -> waitingIds(a).size(), n -> n > shown);
            }
            List<Long> all = waitingIds(a);
            assertEquals(total, all.size(), "every waiting conversation can be reached");
            assertEquals(created, all.subList(all.size() - created.size(), all.size()), "the newest wait last, in order");
        } finally {
            String admin = api.agentToken();
            for (long id : created) { // they would crowd the other tests' conversations out of the first page
                Api.expect(200, api.request("POST", "/api/conversations/" + id + "/status", admin, "{\"status\":\"resolved\"}"));
            }
        }
    }

    private static List<Long> waitingIds(Browser console) {
        return console.findAll("#waiting li").stream().map(li -> Long.parseLong(li.getAttribute("data-conversation-id"))).toList();
    }

    private static String agentStatus(Api api, Agent agent) {
        for (JsonNode p : Json.parse(api.get(api.agentToken(), "/api/agents/presence").body())) {
            if (p.get("agentId").asLong() == agent.id) {
                return p.get("status").asText();
            }
        }
        return null;
    }

    /**
     * The widget says what is true: who the visitor is chatting with, and that a resolved conversation is
     * resolved (it went on saying "You are chatting with X"); every message shows its time; the launcher's
     * unread count survives going to another page. (#14, defect 10.)
     */
    @Test
    void theWidgetSaysWhatIsTrueShowsTimesAndKeepsItsUnreadCountAcrossPages() {
        Api api = new Api(base);
        Agent agent = newAgent(api, "Vera");
        try (Browser console = console(agent, ""); Browser visitor = new Browser(420, 760)) {
            visitor.open(base + "demo.html");
            openWidget(visitor);
            eventually(WAIT, () -> visitor.inWidget(".sbw-input"), WebElement::isDisplayed).sendKeys("hello" + Keys.ENTER);
            eventually(WAIT, () -> texts(visitor.allInWidget(".sbw-mine .sbw-state")), List.of("Sent")::equals);
            long conversation = conversationOf(visitor);
            eventually(WAIT, () -> visitor.inWidget(".sbw-status").getText(), "We usually reply in a few minutes."::equals);

            String token = api.agentToken(agent.username, agent.password);
            Api.expect(200, api.request("POST", "/api/conversations/" + conversation + "/claim", token, "{}"));
            eventually(WAIT, () -> visitor.inWidget(".sbw-status").getText(), "You are chatting with Vera."::equals);
            api.sendOk(token, conversation, "reply-1", "How can I help?");
            eventually(WAIT, () -> texts(visitor.allInWidget(".sbw-theirs .sbw-text")), List.of("How can I help?")::equals);
            for (String time : texts(visitor.allInWidget(".sbw-time"))) {
                assertTrue(time.matches("\\d{1,2}:\\d{2}( [AP]M)?"), "a visible time on every message: " + time);
            }
            assertEquals(2, visitor.allInWidget(".sbw-msg .sbw-time").size());

            visitor.inWidget(".sbw-close").click();
            api.sendOk(token, conversation, "reply-2", "Are you still there?");
            eventually(WAIT, () -> visitor.inWidget(".sbw-badge").getText(), "1"::equals);
            visitor.open(base + "demo.html"); // another page of the site
            eventually(WAIT, () -> visitor.inWidget(".sbw-badge"), WebElement::isDisplayed);
            assertEquals("1", visitor.inWidget(".sbw-badge").getText(), "the unread count survives navigation");
            openWidget(visitor);
            assertTrue(!visitor.inWidget(".sbw-badge").isDisplayed());

            Api.expect(200, api.request("POST", "/api/conversations/" + conversation + "/status", token,
                    Json.object().put("status", "resolved").toString()));
            eventually(WAIT, () -> visitor.inWidget(".sbw-status").getText(),
                    "This conversation is resolved. Write to reopen it."::equals);
        }
    }

    /**
     * Both fit a phone (390 × 844): the widget inside the viewport however wide the host page is, text fields
     * at 16 px (iOS zooms into smaller ones), and the console in one column — the lists, then the open
     * conversation with a way back. (The widget was off-screen and the console did not fit; #14, defect 8.)
     */
    @Test
    void theWidgetAndTheConsoleFitAPhone() {
        Api api = new Api(base);
        Agent agent = newAgent(api, "Pia");
        Chat chat = Chat.start(base);
        chat.send(chat.visitorToken(), "phone-" + chat.id(), "Hello from a phone");
        try (Browser visitor = Browser.phone(); Browser console = Browser.phone()) {
            console.open(base + "console/"); // an agent online first: the widget then shows the chat, not the offline form
            eventually(WAIT, () -> console.find("#username"), WebElement::isDisplayed).sendKeys(agent.username);
            console.find("#password").sendKeys(agent.password + Keys.ENTER);
            eventually(WAIT, () -> console.find("body").getAttribute("data-state"), "online"::equals);
            assertEquals(Boolean.TRUE, console.script("return document.documentElement.scrollWidth <= window.innerWidth"),
                    "the console does not overflow sideways");
            // #27: the top bar is one row, not a quarter of the screen (it took 212 of 844 px).
            long bar = ((Number) console.script("return document.querySelector('.topbar').getBoundingClientRect().height")).longValue();
            long screen = ((Number) console.script("return window.innerHeight")).longValue();
            assertTrue(bar <= 64, "the top bar takes " + bar + " of " + screen + " px");
            WebElement logout = console.find("#logout");
            console.script("arguments[0].scrollIntoView({inline: 'end'})", logout);
            assertTrue(logout.isDisplayed(), "every control is still reachable (the bar scrolls sideways)");

            visitor.open(base + "demo.html");
            openWidget(visitor);
            WebElement input = eventually(WAIT, () -> visitor.inWidget(".sbw-input"), WebElement::isDisplayed);
            assertInsideTheViewport(visitor, visitor.inWidget(".sbw-panel"), "the widget");
            assertInsideTheViewport(visitor, input, "the message field");
            assertEquals("16px", input.getCssValue("font-size"), "iOS zooms into smaller fields");
            assertEquals(Boolean.TRUE, visitor.script("return document.documentElement.scrollWidth <= window.innerWidth"),
                    "the demo page does not overflow sideways");
            visitor.screenshot("widget-phone");

            WebElement entry = waitingEntry(console, chat.id());
            assertInsideTheViewport(console, entry, "a waiting conversation");
            entry.click();
            eventually(WAIT, () -> texts(console, "#messages .text"), List.of("Hello from a phone")::equals);
            assertInsideTheViewport(console, console.find("#reply"), "the reply field");
            assertInsideTheViewport(console, console.find("#send"), "the send button");
            assertTrue(!console.find("#waiting").isDisplayed(), "one column: the conversation replaces the lists");
            console.screenshot("console-phone");
            console.find("#back").click();
            eventually(WAIT, () -> console.find("#waiting").isDisplayed(), shown -> shown);
        }
    }

    /**
     * Every conversation has an address in the console (#/c/{id}): a resolved one, in no list, opens from
     * its link; opening one from a list puts its address in the URL; changing the address opens that one.
     * (There were no links to conversations; #14, defect 6, in part.)
     */
    @Test
    void everyConversationHasAnAddressInTheConsole() {
        Chat done = Chat.start(base);
        done.send(done.visitorToken(), "done-" + done.id(), "Thanks, that fixed it");
        Api.expect(200, done.api().request("POST", "/api/conversations/" + done.id() + "/status", done.api().agentToken(),
                Json.object().put("status", "resolved").toString()));
        Chat waiting = Chat.start(base);
        waiting.send(waiting.visitorToken(), "wait-" + waiting.id(), "Still here?");
        Agent agent = newAgent(done.api(), "Ulla");
        try (Browser console = console(agent, "#/c/" + done.id())) {
            eventually(WAIT, () -> texts(console, "#messages .text"), List.of("Thanks, that fixed it")::equals);
            assertEquals("Resolved", console.find("#conversation-status").getText());

            openFromWaitingList(console, waiting.id());
            eventually(WAIT, () -> texts(console, "#messages .text"), List.of("Still here?")::equals);
            assertTrue(console.driver().getCurrentUrl().endsWith("#/c/" + waiting.id()), console.driver().getCurrentUrl());

            console.script("location.hash = arguments[0]", "#/c/" + done.id());
            eventually(WAIT, () -> texts(console, "#messages .text"), List.of("Thanks, that fixed it")::equals);
        }
    }

    private static void assertInsideTheViewport(Browser browser, WebElement element, String what) {
        @SuppressWarnings("unchecked")
        Map<String, Object> box = (Map<String, Object>) browser.script("const r = arguments[0].getBoundingClientRect();"
                + "return {left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: innerWidth, height: innerHeight};",
                element);
        double left = ((Number) box.get("left")).doubleValue();
        double top = ((Number) box.get("top")).doubleValue();
        double right = ((Number) box.get("right")).doubleValue();
        double bottom = ((Number) box.get("bottom")).doubleValue();
        assertTrue(left >= 0 && top >= 0 && right <= ((Number) box.get("width")).doubleValue() + 0.5
                && bottom <= ((Number) box.get("height")).doubleValue() + 0.5, what + " is off-screen: " + box);
    }

    private static List<String> storedTexts(Api api, long conversation) {
        List<String> texts = new ArrayList<>();
        Json.parse(api.get(api.agentToken(), "/api/conversations/" + conversation + "/messages").body()).forEach(m -> {
            if (!m.get("author").get("kind").asText().equals("system")) { // "… joined the conversation"
                texts.add(m.get("text").asText());
            }
        });
        return texts;
    }

    // ---- 4: two agents on one conversation --------------------------------------------------------------
    @Test
    void twoAgentsSeeEachOtherOnAConversationAndOnlyOneCanClaimIt() {
        Chat chat = Chat.start(base);
        chat.send(chat.visitorToken(), "hello-" + chat.id(), "Is anyone there?");
        Agent alice = newAgent(chat.api(), "Alice");
        Agent bob = newAgent(chat.api(), "Bob");
        try (Browser a = console(alice, ""); Browser b = console(bob, "")) {
            // Team presence: each sees the other online.
            eventually(WAIT, () -> a.find("#team li[data-agent-id='" + bob.id + "']").getAttribute("data-status"), "online"::equals);
            eventually(WAIT, () -> b.find("#team li[data-agent-id='" + alice.id + "']").getAttribute("data-status"), "online"::equals);

            openFromWaitingList(a, chat.id());
            eventually(WAIT, () -> texts(a, "#messages .text"), t -> t.equals(List.of("Is anyone there?")));
            openFromWaitingList(b, chat.id());
            eventually(WAIT, () -> texts(b, "#messages .text"), t -> t.equals(List.of("Is anyone there?")));
            eventually(WAIT, () -> a.find("#collision").getText(), t -> t.contains(bob.name + " is viewing"));
            eventually(WAIT, () -> b.find("#collision").getText(), t -> t.contains(alice.name + " is viewing"));

            b.find("#reply").sendKeys("Let me");
            eventually(WAIT, () -> a.find("#collision").getText(), t -> t.contains(bob.name + " is typing"));
            a.screenshot("console-collision");

            // Both click Claim; exactly one wins.
            a.script("document.getElementById('claim').click()");
            b.script("document.getElementById('claim').click()");
            JsonNode claimed = eventually(WAIT,
                    () -> Json.parse(chat.api().get(chat.api().agentToken(), "/api/conversations/" + chat.id()).body()),
                    c -> c.get("assignee") != null && !c.get("assignee").isNull());
            long winner = claimed.get("assignee").get("id").asLong();
            assertTrue(winner == alice.id || winner == bob.id);
            Browser loser = winner == alice.id ? b : a;
            Browser winning = winner == alice.id ? a : b;
            String winnerName = winner == alice.id ? alice.name : bob.name;
            // The loser either clicked before hearing of the winner's claim (the server refuses it: 409, said in
            // words) or after (its Claim button was already disabled, and the console says who has it).
            eventually(WAIT, () -> loser.find("#action-error").getText() + "|" + loser.find("#locked").getText(),
                    t -> t.startsWith("A colleague claimed this conversation first.|")
                            || t.equals("|" + winnerName + " has this conversation: only they or an admin can reply, assign, resolve or reopen it."
                                    + " You can leave a private note."));
            assertEquals("", winning.find("#action-error").getText());
            eventually(WAIT, () -> loser.find("#conversation-assignee").getText(), t -> t.equals("Assigned to " + winnerName));

            // #14, defect 7: what the loser may not do is disabled, and the console says why; the winner may.
            // A private note stays possible: the composer switches to it.
            for (String control : List.of("#claim", "#resolve", "#reopen", "#transfer", "#assign", "#mode-reply")) {
                eventually(WAIT, () -> loser.find(control).isEnabled(), enabled -> !enabled);
            }
            assertEquals("true", loser.find("#mode-note").getAttribute("aria-pressed"));
            eventually(WAIT, () -> loser.find("#locked").getText(),
                    t -> t.equals(winnerName + " has this conversation: only they or an admin can reply, assign, resolve or reopen it."
                            + " You can leave a private note."));
            assertTrue(winning.find("#reply").isEnabled() && winning.find("#resolve").isEnabled());
            assertTrue(!winning.find("#locked").isDisplayed());

            // A choice in the Assign list belongs to the conversation it was made in.
            Agent loserAgent = winner == alice.id ? bob : alice;
            new org.openqa.selenium.support.ui.Select(winning.find("#transfer")).selectByValue(String.valueOf(loserAgent.id));
            Chat next = Chat.start(base);
            next.send(next.visitorToken(), "hello-" + next.id(), "Another question");
            openFromWaitingList(winning, next.id());
            eventually(WAIT, () -> texts(winning, "#messages .text"), List.of("Another question")::equals);
            assertEquals("", winning.find("#transfer").getAttribute("value"), "the last conversation's choice carried over");
        }
    }

    // ---- 6: markup in messages is text on both sides ------------------------------------------------------
    @Test
    void markupInAMessageIsShownAsTextAndNeverRuns() {
        Api api = new Api(base);
        Agent agent = newAgent(api, "Xavier");
        String attack = "<img src=x onerror=alert(1)>";
        String reply = "<script>window.__pwned=1</script><b>bold?</b><img src=y onerror=\"window.__pwned=2\">";
        try (Browser console = console(agent, ""); Browser visitor = new Browser(420, 760)) {
            visitor.open(base + "demo.html");
            visitor.script("window.alert = function () { window.__pwned = 'alert'; }");
            console.script("window.alert = function () { window.__pwned = 'alert'; }");
            openWidget(visitor);
            eventually(WAIT, () -> visitor.inWidget(".sbw-input"), WebElement::isDisplayed).sendKeys(attack + Keys.ENTER);
            long conversation = conversationOf(visitor);
            openFromWaitingList(console, conversation);
            eventually(WAIT, () -> texts(console, "#messages .text"), t -> t.equals(List.of(attack)));
            console.find("#reply").sendKeys(reply + Keys.ENTER);
            eventually(WAIT, () -> texts(visitor.allInWidget(".sbw-text")), t -> t.equals(List.of(attack, reply)));
            eventually(WAIT, () -> texts(console, "#messages .text"), t -> t.equals(List.of(attack, reply)));

            assertTrue(visitor.allInWidget(".sbw-messages img, .sbw-messages script, .sbw-messages b").isEmpty());
            assertTrue(console.findAll("#messages img, #messages script, #messages b").isEmpty());
            assertNull(visitor.script("return window.__pwned"));
            assertNull(console.script("return window.__pwned"));
        }
    }

    // ---- i18n: Simplified Chinese from the browser language or an override ------------------------------------
    @Test
    void theWidgetSpeaksSimplifiedChinese() {
        try (Browser visitor = new Browser(420, 760)) {
            visitor.open(base + "demo.html?lang=zh-CN");
            assertEquals("在线咨询", eventually(WAIT, () -> visitor.inWidget(".sbw-launcher").getText(), t -> !t.isEmpty()));
            openWidget(visitor);
            assertEquals("输入消息…", visitor.inWidget(".sbw-input").getAttribute("placeholder"));
            assertAccessible(visitor, "the widget in Simplified Chinese");
        }
        // #27: a Traditional Chinese reader gets English, not the other script (there are no zh-TW strings yet).
        try (Browser visitor = new Browser(420, 760)) {
            visitor.open(base + "demo.html?lang=zh-TW");
            assertEquals("Chat with us", eventually(WAIT, () -> visitor.inWidget(".sbw-launcher").getText(), t -> !t.isEmpty()));
        }
    }

    // ---- fallback: a proxy that kills upgrades, a browser without WebSocket and EventSource ----------------
    @Test
    void whereWebSocketsOrEventSourceAreMissingTheWidgetFallsBackByItself() {
        Api api = new Api(base);
        Agent agent = newAgent(api, "Fay");
        try (TcpProxy proxy = new TcpProxy(base.getPort()); Browser console = console(agent, "")) {
            proxy.blockUpgrades(true);
            try (Browser visitor = new Browser(420, 760)) {
                visitor.open("http://localhost:" + proxy.port() + "/demo.html");
                chatsOver(visitor, console, "sse");
            }
            try (Browser visitor = new Browser(420, 760)) {
                visitor.driver().executeCdpCommand("Page.addScriptToEvaluateOnNewDocument",
                        java.util.Map.of("source", "delete window.WebSocket; delete window.EventSource;"));
                visitor.open(base + "demo.html");
                chatsOver(visitor, console, "longpoll");
            }
        }
    }

    /** The visitor writes, the agent answers, and the widget ended up on {@code transport}. */
    private void chatsOver(Browser visitor, Browser console, String transport) {
        openWidget(visitor);
        eventually(WAIT, () -> visitor.inWidget(".sbw-input"), WebElement::isDisplayed).sendKeys("hello from " + transport + Keys.ENTER);
        long conversation = conversationOf(visitor);
        eventually(WAIT, () -> hostData(visitor, "state"), "online"::equals);
        assertEquals(transport, hostData(visitor, "transport"));
        openFromWaitingList(console, conversation);
        eventually(WAIT, () -> texts(console, "#messages .text"), t -> t.equals(List.of("hello from " + transport)));
        console.find("#reply").sendKeys("answer over " + transport + Keys.ENTER);
        eventually(WAIT, () -> texts(visitor.allInWidget(".sbw-text")),
                t -> t.equals(List.of("hello from " + transport, "answer over " + transport)));
    }

    // ---- private notes, system lines (#14: tools; defect 10) ------------------------------------------------
    /**
     * An agent writes a private note and a reply while the visitor is on each of the five transports in turn:
     * the visitor gets every reply and no note, live or replayed after a reload onto the next transport; the
     * agent's joining is a stored line in both timelines (it used to be drawn by the widget after the reply,
     * and was gone after a reload).
     */
    @Test
    void aPrivateNoteNeverReachesTheVisitorOnAnyTransportAndJoiningIsAStoredLine() {
        Api api = new Api(base);
        Agent agent = newAgent(api, "Nora");
        try (Browser console = console(agent, ""); Browser visitor = new Browser(420, 760)) {
            List<String> replies = new ArrayList<>();
            for (String transport : List.of("websocket", "sse", "longpoll", "iframe", "poll")) {
                visitor.open(base + "demo.html?transport=" + transport);
                openWidget(visitor);
                eventually(WAIT, () -> visitor.inWidget(".sbw-input"), WebElement::isDisplayed)
                        .sendKeys("question over " + transport + Keys.ENTER);
                long conversation = conversationOf(visitor);
                assertEquals(transport, hostData(visitor, "transport"));
                console.script("location.hash = arguments[0]", "#/c/" + conversation);
                eventually(WAIT, () -> texts(console, "#messages .text"), t -> t.contains("question over " + transport));

                click(console, "#mode-note");
                console.find("#reply").sendKeys("NOTE over " + transport + ": refund approved" + Keys.ENTER);
                eventually(WAIT, () -> texts(console, "#messages .message.note .text"),
                        t -> t.contains("NOTE over " + transport + ": refund approved"));
                click(console, "#mode-reply");
                console.find("#reply").sendKeys("reply over " + transport + Keys.ENTER);
                replies.add("reply over " + transport);
                List<String> sofar = List.copyOf(replies);
                eventually(WAIT, () -> texts(visitor.allInWidget(".sbw-theirs .sbw-text")), sofar::equals);
                // The visitor's timeline: her questions and the replies, and never a note.
                assertTrue(visitor.allInWidget("li").stream().noneMatch(li -> li.getText().contains("NOTE")),
                        "a private note reached the widget over " + transport);
                assertEquals(List.of("Nora joined the conversation."), texts(visitor.allInWidget(".sbw-notice[data-event=joined] .sbw-notice-text")),
                        "the join is one stored line, replayed over " + transport);
            }
            assertEquals(List.of("Nora joined the conversation"), texts(console, "#messages .message.system .system-text"));
            console.screenshot("console-private-note");
            visitor.screenshot("widget-after-notes");
        }
    }

    // ---- search, labels, views; a reply into a resolved conversation (#14, defect 6 and tools) --------------
    @Test
    void searchLabelsAndViewsFindEveryConversationAndAReplyReopensAResolvedOne() {
        Api api = new Api(base);
        Agent agent = newAgent(api, "Sam");
        String token = api.agentToken(agent.username, agent.password);
        long tag = System.nanoTime() % 1_000_000_000L;
        String word = "zx" + tag;
        String email = "pat" + tag + "@example.com";
        Chat parcel = Chat.start(base);
        parcel.send(parcel.visitorToken(), "p-1", "My parcel " + word + " is stuck in customs");
        for (int i = 1; i <= 60; i++) { // the match is older than the 50 messages a conversation opens with
            parcel.send(parcel.visitorToken(), "p-filler-" + i, "and another thing, number " + i);
        }
        Api.expect(200, api.request("PATCH", "/api/visitors/me", parcel.visitorToken(),
                Json.object().put("name", "Pat").put("email", email).toString()));
        Chat invoice = Chat.start(base);
        invoice.send(invoice.visitorToken(), "i-1", "A question about invoice " + tag);
        Api.expect(200, api.request("POST", "/api/conversations/" + invoice.id() + "/claim", token, "{}"));
        Api.expect(200, api.request("POST", "/api/conversations/" + invoice.id() + "/status", token,
                Json.object().put("status", "resolved").toString()));

        try (Browser console = console(agent, "")) {
            // Search by a word in a message, then by the visitor's e-mail.
            console.find("#search").sendKeys(word + Keys.ENTER);
            eventually(WAIT, () -> ids(console, "#results li"), List.of(parcel.id())::equals);
            assertTrue(console.find("#results .snippet").getText().contains("«" + word + "»"), console.find("#results .snippet").getText());
            // A hit opens at its matching message, marked, with the rest of the conversation after it.
            click(console, "#results li[data-conversation-id='" + parcel.id() + "']");
            eventually(WAIT, () -> console.find("#conversation-title").getText(), "Pat"::equals);
            eventually(WAIT, () -> texts(console, "#messages li.found .text"), List.of("My parcel " + word + " is stuck in customs")::equals);
            eventually(WAIT, () -> texts(console, "#messages .text"), t -> t.size() == 61 && t.get(60).equals("and another thing, number 60"));
            // ... and the 60 that came after it did not scroll it out of sight (#27: the view ended 2,400 px below).
            assertEquals(true, console.script("const l = document.getElementById('messages'), f = l.querySelector('li.found');"
                    + " const a = l.getBoundingClientRect(), b = f.getBoundingClientRect();"
                    + " return b.top >= a.top - 1 && b.bottom <= a.bottom + 1;"), "the search hit is in view");
            console.find("#search").clear();
            console.find("#search").sendKeys(email + Keys.ENTER);
            eventually(WAIT, () -> ids(console, "#results li"), List.of(parcel.id())::equals);

            // A label, then the Browse list filtered by it.
            String label = "customs" + tag;
            console.find("#label-input").sendKeys(label + Keys.ENTER);
            eventually(WAIT, () -> texts(console, "#labels .label-name"), List.of(label)::equals);
            new org.openqa.selenium.support.ui.Select(console.find("#view")).selectByValue("all");
            eventually(WAIT, () -> console.findAll("#label-filter option[value='" + label + "']").size(), n -> n == 1);
            new org.openqa.selenium.support.ui.Select(console.find("#label-filter")).selectByValue(label);
            eventually(WAIT, () -> ids(console, "#browse li"), List.of(parcel.id())::equals);

            // The Resolved view has the resolved conversation; a reply there reopens it (and says so).
            new org.openqa.selenium.support.ui.Select(console.find("#label-filter")).selectByValue("");
            new org.openqa.selenium.support.ui.Select(console.find("#view")).selectByValue("resolved");
            eventually(WAIT, () -> ids(console, "#browse li"), l -> l.contains(invoice.id()) && !l.contains(parcel.id()));
            click(console, "#browse li[data-conversation-id='" + invoice.id() + "']");
            eventually(WAIT, () -> console.find("#conversation-status").getText(), "Resolved"::equals);
            console.find("#reply").sendKeys("One more thing about your invoice" + Keys.ENTER);
            eventually(WAIT, () -> console.find("#conversation-status").getText(), "Open"::equals);
            eventually(WAIT, () -> ids(console, "#mine li"), l -> l.contains(invoice.id()));
            List<String> seen = invoice.messages().stream().map(m -> m.get("text").asText()).toList();
            assertEquals(List.of("A question about invoice " + tag, "Sam joined the conversation", "Sam resolved the conversation",
                    "Sam reopened the conversation", "One more thing about your invoice"), seen);
            console.screenshot("console-search");
        }
    }

    // ---- canned responses (#14, tools) -------------------------------------------------------------------
    @Test
    void aCannedResponseIsSavedInTheConsoleAndInsertedWithItsShortcutAndPlaceholders() {
        Api api = new Api(base);
        Agent agent = newAgent(api, "Cleo");
        long tag = System.nanoTime() % 1_000_000L;
        Chat chat = Chat.start(base);
        chat.send(chat.visitorToken(), "c-1", "Can you e-mail me the invoice?");
        Api.expect(200, api.request("PATCH", "/api/visitors/me", chat.visitorToken(),
                Json.object().put("name", "Margot").put("email", "margot" + tag + "@example.com").toString()));
        try (Browser console = console(agent, "")) {
            console.script("location.hash = arguments[0]", "#/c/" + chat.id());
            eventually(WAIT, () -> console.find("#conversation-email").getText(), ("margot" + tag + "@example.com")::equals);

            click(console, "#canned-open");
            console.find("#canned-shortcut").sendKeys("/invoice" + tag);
            console.find("#canned-text").sendKeys("Hi {{visitor.name}}, {{agent.name}} here: the invoice goes to {{visitor.email}} today.");
            click(console, "#canned-form button[type=submit]");
            eventually(WAIT, () -> texts(console, "#canned-list .shortcut"), t -> t.contains("/invoice" + tag));
            click(console, "#canned-close");

            console.find("#reply").sendKeys("/invoice" + tag);
            eventually(WAIT, () -> console.findAll("#canned-suggestions li[data-shortcut='invoice" + tag + "']").size(), n -> n == 1);
            assertEquals("true", console.find("#canned-suggestions li").getAttribute("aria-selected"));
            console.find("#reply").sendKeys(Keys.ENTER); // inserts, does not send
            String expanded = "Hi Margot, Cleo here: the invoice goes to margot" + tag + "@example.com today.";
            eventually(WAIT, () -> console.find("#reply").getAttribute("value"), expanded::equals);
            assertTrue(console.find("#canned-suggestions").getAttribute("hidden") != null);
            console.find("#reply").sendKeys(Keys.ENTER);
            eventually(WAIT, () -> chat.messages().stream().map(m -> m.get("text").asText()).toList(), t -> t.contains(expanded));

            // #27: one saved elsewhere (another tab, the API) while she is logged in is there when she types it:
            // suggested, and inserted by Enter (it did not exist for her until a reload, and "/hel" was sent).
            Api.expect(201, api.request("POST", "/api/canned-responses", api.agentToken(agent.username, agent.password),
                    Json.object().put("shortcut", "later" + tag).put("text", "Saved in another tab.").put("scope", "personal").toString()));
            console.find("#reply").sendKeys("/later" + tag);
            eventually(WAIT, () -> console.findAll("#canned-suggestions li[data-shortcut='later" + tag + "']").size(), n -> n == 1);
            console.find("#reply").sendKeys(Keys.ENTER);
            eventually(WAIT, () -> console.find("#reply").getAttribute("value"), "Saved in another tab."::equals);
            console.find("#reply").clear();
            // A shortcut that matches nothing is never sent to the customer: it stays, and the console says why.
            int before = chat.messages().size();
            console.find("#reply").sendKeys("/nosuch" + tag + Keys.ENTER);
            eventually(WAIT, () -> console.find("#action-error").getText(), t -> t.contains("No canned response is called /nosuch" + tag));
            assertEquals("/nosuch" + tag, console.find("#reply").getAttribute("value"));
            // ...and a real message after it goes, so nothing was queued behind the refusal.
            console.find("#reply").clear();
            console.find("#reply").sendKeys("Anything else?" + Keys.ENTER);
            eventually(WAIT, () -> chat.messages().stream().map(m -> m.get("text").asText()).toList(), t -> t.contains("Anything else?"));
            assertEquals(before + 1, chat.messages().size(), "only the real message was sent");

            // #27: resolving by keyboard keeps the focus in the toolbar (the pressed button is disabled by its own
            // success; the focus fell to the page): on Reopen, and back on Resolve after reopening.
            console.script("document.getElementById('resolve').focus()");
            console.find("#resolve").sendKeys(Keys.ENTER);
            eventually(WAIT, () -> (String) console.script("return document.activeElement && document.activeElement.id"), "reopen"::equals);
            console.find("#reopen").sendKeys(Keys.ENTER);
            eventually(WAIT, () -> (String) console.script("return document.activeElement && document.activeElement.id"), "resolve"::equals);
        }
    }

    // ---- alerting (#14, tools) ---------------------------------------------------------------------------
    /**
     * Desktop notifications in Chromium with the permission granted: one for a new waiting visitor, one for
     * an @mention in a colleague's note, none for the conversation the agent has open in front of her.
     * (A spy around the real Notification records each one the console raises.)
     */
    @Test
    void desktopNotificationsForANewVisitorAndAMentionButNotForTheConversationInFront() {
        Api api = new Api(base);
        Agent agent = newAgent(api, "Dora");
        Agent colleague = newAgent(api, "Eli");
        String colleagueToken = api.agentToken(colleague.username, colleague.password);
        Chat current = Chat.start(base);
        current.send(current.visitorToken(), "a-1", "I am the one she is talking to");
        try (Browser console = new Browser()) {
            console.grantNotifications(base.toString().replaceAll("/$", ""));
            console.keepFocus();
            console.onEveryPage(RECORD_NOTIFICATIONS);
            logIn(console, base.toString(), agent, "");
            assertEquals("granted", console.script("return Notification.permission"));
            assertTrue(!console.find("#alerts").isDisplayed(), "no need to ask: allowed already");
            console.script("location.hash = arguments[0]", "#/c/" + current.id());
            eventually(WAIT, () -> texts(console, "#messages .text"), t -> t.contains("I am the one she is talking to"));
            console.find("#reply").sendKeys("Hello, I am here" + Keys.ENTER); // hers now
            eventually(WAIT, () -> console.find("#conversation-assignee").getText(), ("Assigned to " + agent.name)::equals);

            // A message in the conversation in front of her: nothing.
            current.send(current.visitorToken(), "a-2", "Thanks!");
            eventually(WAIT, () -> texts(console, "#messages .text"), t -> t.contains("Thanks!"));
            // A new visitor waits: one notification.
            Chat next = Chat.start(base);
            next.send(next.visitorToken(), "n-1", "Hello?");
            String nextName = Json.parse(api.get(api.agentToken(), "/api/conversations/" + next.id()).body()).get("visitor").get("name").asText();
            eventually(WAIT, () -> notifications(console), n -> n.contains(nextName + " is waiting | Waiting for an agent"));
            // A colleague mentions her in a note on another conversation: one more.
            Api.expect(201, api.request("POST", "/api/conversations/" + next.id() + "/messages", colleagueToken,
                    Json.object().put("text", "@" + agent.username + " can you take this one?").put("internal", true).toString()));
            eventually(WAIT, () -> notifications(console), n -> n.contains(colleague.name + " mentioned you | " + nextName));
            // (By the visitor's name: an id's digits can be part of another visitor's generated name, "… 894".)
            String currentName = Json.parse(api.get(api.agentToken(), "/api/conversations/" + current.id()).body())
                    .get("visitor").get("name").asText();
            assertTrue(notifications(console).stream().noneMatch(n -> n.contains(currentName) || n.startsWith("New message")),
                    "nothing for the conversation in front of her: " + notifications(console));
        }
    }

    // ---- right-to-left text; the screens the README shows (#14) ------------------------------------------
    /**
     * Arabic and Hebrew are laid out right to left in the widget and the console, English left to right, in
     * the same timeline. Also takes the screenshots the README shows (docs/screenshots is copied from them).
     */
    @Test
    void rightToLeftTextIsLaidOutRightToLeftAndTheDocumentedScreensRender() {
        Api api = new Api(base);
        Agent agent = newAgent(api, "Layla");
        String arabic = "مرحبا، طلبي لم يصل بعد";
        String hebrew = "שלום, ההזמנה שלי לא הגיעה";
        try (Browser console = console(agent, ""); Browser visitor = new Browser(420, 760)) {
            visitor.open(base + "demo.html");
            openWidget(visitor);
            eventually(WAIT, () -> visitor.inWidget(".sbw-input"), WebElement::isDisplayed).sendKeys(arabic + Keys.ENTER);
            long conversation = conversationOf(visitor);
            console.script("location.hash = arguments[0]", "#/c/" + conversation);
            eventually(WAIT, () -> texts(console, "#messages .text"), List.of(arabic)::equals);
            console.find("#reply").sendKeys("Hello! Let me check your order." + Keys.ENTER);
            click(console, "#mode-note");
            console.find("#reply").sendKeys("Order 7731 is held at the depot" + Keys.ENTER);
            click(console, "#mode-reply");
            eventually(WAIT, () -> texts(visitor.allInWidget(".sbw-theirs .sbw-text")), List.of("Hello! Let me check your order.")::equals);
            visitor.inWidget(".sbw-input").sendKeys(hebrew + Keys.ENTER);
            eventually(WAIT, () -> texts(console, "#messages .text"), t -> t.contains(hebrew));

            assertEquals(List.of("rtl", "ltr", "rtl"), directions(visitor.allInWidget(".sbw-msg .sbw-text")));
            assertEquals(List.of("rtl", "ltr", "ltr", "rtl"), directions(console.findAll("#messages .text")));
            visitor.screenshot("docs-widget-rtl");
            console.screenshot("docs-console");
        }
        try (Browser phone = Browser.phone()) {
            phone.open(base + "demo.html?lang=zh-CN");
            openWidget(phone);
            eventually(WAIT, () -> phone.inWidget(".sbw-input"), WebElement::isDisplayed).sendKeys("你好，我的订单还没到" + Keys.ENTER);
            eventually(WAIT, () -> phone.allInWidget(".sbw-mine[data-seq]").size(), n -> n == 1);
            phone.screenshot("docs-widget-zh-CN-phone");
        }
    }

    // ---- accessibility: axe-core on every page and state (#14) -------------------------------------------
    @Test
    void axeFindsNoViolationOnAnyPageOrState() {
        Api api = new Api(base);
        Agent agent = newAgent(api, "Ada");
        try (Browser login = new Browser()) {
            login.open(base + "console/");
            eventually(WAIT, () -> login.find("#username"), WebElement::isDisplayed);
            assertAccessible(login, "the console's login");
        }
        try (Browser console = console(agent, ""); Browser visitor = new Browser(420, 760)) {
            visitor.open(base + "demo.html");
            eventually(WAIT, () -> visitor.inWidget(".sbw-launcher"), WebElement::isDisplayed);
            assertAccessible(visitor, "the demo page with the widget closed");
            openWidget(visitor);
            eventually(WAIT, () -> visitor.inWidget(".sbw-input"), WebElement::isDisplayed).sendKeys("Is my order on its way?" + Keys.ENTER);
            long conversation = conversationOf(visitor);
            assertAccessible(console, "the console's lists");
            console.script("location.hash = arguments[0]", "#/c/" + conversation);
            eventually(WAIT, () -> texts(console, "#messages .text"), List.of("Is my order on its way?")::equals);
            console.find("#reply").sendKeys("Yes, it left today." + Keys.ENTER);
            click(console, "#mode-note");
            console.find("#reply").sendKeys("Tracking 7731" + Keys.ENTER);
            eventually(WAIT, () -> texts(visitor.allInWidget(".sbw-theirs .sbw-text")), List.of("Yes, it left today.")::equals);
            eventually(WAIT, () -> console.findAll("#messages li[data-state='read']").size(), n -> n == 1);
            assertAccessible(visitor, "the widget in a conversation");
            // Escape closes the widget and gives the focus back to the launcher.
            visitor.inWidget(".sbw-input").sendKeys(Keys.ESCAPE);
            eventually(WAIT, () -> visitor.inWidget(".sbw-panel").isDisplayed(), shown -> !shown);
            assertEquals("sbw-launcher", visitor.script(
                    "return document.getElementById('switchboard-widget').shadowRoot.activeElement.className"));
            assertAccessible(console, "an open conversation with a note and a system line");
            console.find("#search").sendKeys("order" + Keys.ENTER);
            eventually(WAIT, () -> console.find("#results-section").isDisplayed(), shown -> shown);
            assertAccessible(console, "search results");
            click(console, "#canned-open");
            assertAccessible(console, "the canned responses dialog");
        }
        try (Browser phone = Browser.phone()) {
            logIn(phone, base.toString(), agent, "");
            assertAccessible(phone, "the console on a phone");
        }
    }

    // ---- the visitor context panel (#14, tools) -------------------------------------------------------------
    @Test
    void theContextPanelShowsWhereTheVisitorIsFollowsHerAndLetsTheAgentCorrectHerDetails() {
        Api api = new Api(base);
        Agent agent = newAgent(api, "Vic");
        try (Browser console = console(agent, ""); Browser visitor = new Browser(420, 760)) {
            visitor.open(base + "demo.html");
            openWidget(visitor);
            eventually(WAIT, () -> visitor.inWidget(".sbw-input"), WebElement::isDisplayed).sendKeys("Which lamp fits a desk?" + Keys.ENTER);
            long first = conversationOf(visitor);
            console.script("location.hash = arguments[0]", "#/c/" + first);
            click(console, "#context summary");
            eventually(WAIT, () -> console.find("#visitor-page").getText(), "Acme Lamps — a page with the Switchboard widget"::equals);
            assertEquals(base + "demo.html", console.find("#visitor-page a").getAttribute("href"));
            assertEquals("en-US", console.find("#visitor-language").getText());
            assertTrue(console.find("#visitor-browser").getText().matches("(Chrome|Chromium) \\d+ on Linux"),
                    console.find("#visitor-browser").getText());
            assertTrue(console.find("#visitor-time").getText().contains("("), console.find("#visitor-time").getText());

            // She moves on inside the page (a single-page shop): the panel follows.
            visitor.script("document.title = 'Desk lamps'; history.pushState({}, '', '/demo.html#desk-lamps')");
            eventually(WAIT, () -> console.find("#visitor-page").getText(), "Desk lamps"::equals);
            assertEquals(base + "demo.html#desk-lamps", console.find("#visitor-page a").getAttribute("href"));

            // The agent corrects her e-mail; the head shows it.
            console.find("#visitor-email").clear();
            console.find("#visitor-email").sendKeys("june@example.com");
            console.find("#visitor-name").clear();
            console.find("#visitor-name").sendKeys("June" + Keys.ENTER);
            eventually(WAIT, () -> console.find("#conversation-email").getText(), "june@example.com"::equals);
            eventually(WAIT, () -> console.find("#conversation-title").getText(), "June"::equals);

            // Her earlier conversation is one click away once she starts another.
            String token = (String) visitor.script("return localStorage.getItem(arguments[0])", "switchboard.visitor." + base.toString().replaceAll("/$", ""));
            Api.expect(200, api.request("POST", "/api/conversations/" + first + "/status", api.agentToken(), "{\"status\":\"resolved\"}"));
            long second = api.conversation(token);
            console.script("location.hash = arguments[0]", "#/c/" + second);
            eventually(WAIT, () -> console.find("#conversation-title").getText(), "June"::equals);
            eventually(WAIT, () -> texts(console, "#visitor-conversations a"), t -> t.size() == 1 && t.get(0).startsWith("#" + first + " · Resolved"));
            click(console, "#visitor-conversations a");
            eventually(WAIT, () -> texts(console, "#messages .text"), t -> t.contains("Which lamp fits a desk?"));
            assertAccessible(console, "the context panel");
        }
    }

    /**
     * A long conversation's message list is a scrolling region that a keyboard user reaches with Tab and
     * scrolls with the keys, in the console and in the widget, and axe finds nothing on either
     * (scrollable-region-focusable, WCAG 2.1.1: the lists were not focusable, which a newer Chromium's axe run
     * reported). The lists are made to overflow first, so the rule applies whatever the browser's fonts.
     */
    @Test
    void aLongConversationScrollsByKeyboardInTheConsoleAndInTheWidget() {
        Api api = new Api(base);
        Agent agent = newAgent(api, "Kim");
        try (Browser console = console(agent, ""); Browser visitor = new Browser(420, 760)) {
            visitor.open(base + "demo.html");
            openWidget(visitor);
            eventually(WAIT, () -> visitor.inWidget(".sbw-input"), WebElement::isDisplayed).sendKeys("line 1" + Keys.ENTER);
            long conversation = conversationOf(visitor);
            String token = (String) visitor.script("return localStorage.getItem(arguments[0])",
                    "switchboard.visitor." + base.toString().replaceAll("/$", ""));
            for (int i = 2; i <= 40; i++) {
                api.sendOk(token, conversation, "scroll-" + i, "line " + i);
            }
            eventually(WAIT, () -> visitor.allInWidget(".sbw-text").size(), n -> n == 40);
            console.script("location.hash = arguments[0]", "#/c/" + conversation);
            eventually(WAIT, () -> console.findAll("#messages .text").size(), n -> n == 40);

            assertKeyboardScrolls(console, "document.getElementById('messages')", "the console");
            assertAccessible(console, "a long conversation in the console");
            assertKeyboardScrolls(visitor, "document.getElementById('switchboard-widget').shadowRoot.querySelector('.sbw-messages')",
                    "the widget");
            assertAccessible(visitor, "a long conversation in the widget");
        }
    }

    /** The list overflows, Tab reaches it, and Home and End scroll it. */
    private static void assertKeyboardScrolls(Browser browser, String list, String where) {
        eventually(WAIT, () -> (Boolean) browser.script("const l = " + list + "; return l.scrollHeight > l.clientHeight + 100"),
                overflowing -> overflowing);
        assertEquals("Messages", browser.script("return " + list + ".getAttribute('aria-label')"), where + ": the region is named");
        // Tab, from the top of the page, reaches the list itself (not only something inside it).
        browser.script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)");
        boolean reached = false;
        for (int tabs = 0; tabs < 200 && !reached; tabs++) {
            new org.openqa.selenium.interactions.Actions(browser.driver()).sendKeys(Keys.TAB).perform();
            reached = (Boolean) browser.script("const l = " + list + "; return l.getRootNode().activeElement === l");
        }
        assertTrue(reached, where + ": Tab never reached the message list");
        new org.openqa.selenium.interactions.Actions(browser.driver()).sendKeys(Keys.HOME).perform();
        eventually(WAIT, () -> ((Number) browser.script("return " + list + ".scrollTop")).longValue(), top -> top == 0);
        new org.openqa.selenium.interactions.Actions(browser.driver()).sendKeys(Keys.END).perform();
        eventually(WAIT, () -> (Boolean) browser.script("const l = " + list + "; return l.scrollTop > 0"), scrolled -> scrolled);
    }

    private static void assertAccessible(Browser browser, String what) {
        List<String> violations = io.switchboard.support.Axe.violations(browser);
        assertEquals(List.of(), violations, "axe-core on " + what);
    }

    private static long conversationOrZero(Browser visitor) {
        String id = hostData(visitor, "conversationId");
        return id == null ? 0 : Long.parseLong(id);
    }

    private static int stored(Api api, long conversation) {
        return conversation == 0 ? 0 : Json.parse(api.get(api.agentToken(), "/api/conversations/" + conversation + "/messages").body()).size();
    }

    // ---- defect 9: a forced transport that cannot work here still fails over; sends do not wait ---------
    /**
     * The page forces the iframe stream where it cannot work (as on a page of another origin, the frame's
     * calls never reach the page): the visitor's message is stored at once, while the stream is
     * still trying (sends are REST requests; they waited for the stream before), and the widget then falls
     * back to a transport that works and gets the answer (it retried the iframe for ever).
     */
    @Test
    void aForcedTransportThatCannotWorkFailsOverAndSendsDoNotWaitForIt() {
        Api api = new Api(base);
        Agent agent = newAgent(api, "Ivy");
        try (Browser console = console(agent, ""); Browser visitor = new Browser(420, 760)) {
            // As on a page of another origin: the stream runs, but its calls never reach this page.
            visitor.onEveryPage("""
                    const src = Object.getOwnPropertyDescriptor(HTMLIFrameElement.prototype, 'src');
                    Object.defineProperty(HTMLIFrameElement.prototype, 'src', {
                      get() { return src.get.call(this); },
                      set(v) { src.set.call(this, String(v).replace(/callback=[^&]*/, 'callback=unreachable')); }
                    });""");
            visitor.open(base + "demo.html?transport=iframe");
            openWidget(visitor);
            eventually(WAIT, () -> visitor.inWidget(".sbw-input"), WebElement::isDisplayed).sendKeys("Hello from a blocked frame" + Keys.ENTER);
            long conversation = conversationOf(visitor);
            eventually(WAIT, () -> storedTexts(api, conversation), List.of("Hello from a blocked frame")::equals);
            assertEquals("iframe", hostData(visitor, "transport"), "stored while the iframe stream was still being tried");
            assertTrue(!"online".equals(hostData(visitor, "state")));

            eventually(Duration.ofSeconds(40), () -> hostData(visitor, "state"), "online"::equals);
            assertTrue(!"iframe".equals(hostData(visitor, "transport")), "fell back from the iframe: " + hostData(visitor, "transport"));
            console.script("location.hash = arguments[0]", "#/c/" + conversation);
            eventually(WAIT, () -> texts(console, "#messages .text"), List.of("Hello from a blocked frame")::equals);
            console.find("#reply").sendKeys("Got it" + Keys.ENTER);
            eventually(WAIT, () -> texts(visitor.allInWidget(".sbw-theirs .sbw-text")), List.of("Got it")::equals);
        }
    }

    /**
     * #16: the site renders its logged-in user's signed identity into the widget tag. The anonymous chat this
     * browser began is merged into that person (who also wrote from a laptop), the console marks the visitor
     * verified with the site's user id, and when the user logs out the widget forgets them.
     */
    @Test
    void aSignedInVisitorKeepsTheAnonymousChatTheConsoleShowsVerifiedAndLoggingOutForgetsThem() {
        Api api = new Api(base);
        Agent agent = newAgent(api, "Vera");
        String user = "shop-user-" + System.nanoTime();
        String laptop = Json.parse(Api.expect(201, api.request("POST", "/api/visitors", null, Json.object()
                .put("identity", SiteIdentity.sign(user, "Mei Lin", "mei@example.com")).toString())).body()).get("token").asText();
        long earlier = api.conversation(laptop);
        api.sendOk(laptop, earlier, "laptop-1", "Asked from my laptop");
        try (Browser console = console(agent, ""); Browser visitor = new Browser(420, 760)) {
            // As the site's template would: data-identity on the widget's tag while its user is logged in.
            visitor.onEveryPage("""
                    new MutationObserver(() => {
                      const tag = document.querySelector('script[src$="widget.js"]');
                      const identity = localStorage.getItem('site.identity');
                      if (tag && identity && !tag.dataset.identity) tag.dataset.identity = identity;
                    }).observe(document, { childList: true, subtree: true });""");
            visitor.open(base + "demo.html");
            openWidget(visitor);
            eventually(WAIT, () -> visitor.inWidget(".sbw-input"), WebElement::isDisplayed).sendKeys("Asked before logging in" + Keys.ENTER);
            long conversation = conversationOf(visitor);
            eventually(WAIT, () -> storedTexts(api, conversation), List.of("Asked before logging in")::equals);

            visitor.script("localStorage.setItem('site.identity', arguments[0])", SiteIdentity.sign(user, "Mei Lin", "mei@example.com"));
            visitor.open(base + "demo.html");
            openWidget(visitor);
            assertEquals(conversation, conversationOf(visitor), "the chat begun anonymously goes on");
            eventually(WAIT, () -> texts(visitor.allInWidget(".sbw-mine .sbw-text")), List.of("Asked before logging in")::equals);
            JsonNode laptopsView = Json.parse(Api.expect(200, api.get(laptop, "/api/conversations")).body()).get("items");
            assertEquals(2, laptopsView.size(), "the laptop sees both conversations now: " + laptopsView);
            visitor.inWidget(".sbw-input").sendKeys("Now I am logged in" + Keys.ENTER);
            eventually(WAIT, () -> storedTexts(api, conversation), List.of("Asked before logging in", "Now I am logged in")::equals);

            console.script("location.hash = arguments[0]", "#/c/" + conversation);
            eventually(WAIT, () -> console.find("#conversation-title").getText(), "Mei Lin"::equals);
            eventually(WAIT, () -> console.find("#conversation-verified").isDisplayed(), shown -> shown);
            assertEquals("✓ Verified", console.find("#conversation-verified").getText());
            click(console, "#context summary");
            eventually(WAIT, () -> console.find("#visitor-user-id").getText(), user::equals);
            assertAccessible(console, "the console with a verified visitor");

            // The site's user logs out: the next page has no identity, and the widget starts afresh.
            visitor.script("localStorage.removeItem('site.identity')");
            visitor.open(base + "demo.html");
            openWidget(visitor);
            eventually(WAIT, () -> visitor.inWidget(".sbw-input"), WebElement::isDisplayed);
            assertNull(hostData(visitor, "conversationId"), "no conversation of the logged-out user");
            assertEquals(List.of(), texts(visitor.allInWidget(".sbw-text")));
            assertNull(visitor.script("return localStorage.getItem(arguments[0])", "switchboard.visitor." + base.toString().replaceAll("/$", "")));
        }
    }

    /**
     * #27, High 1: a token planted on a victim's browser never becomes the victim. An attacker makes an anonymous
     * visitor and gets its token into the victim's browser — in a link's fragment (as continue links once carried
     * tokens), or straight into its storage (a shared computer) — then waits for the victim to sign in on the
     * site. The widget does not take a token from a URL, and signing in ends every token of an anonymous
     * visitor: the attacker's copy reads and writes nothing of the victim's, on any path.
     */
    @Test
    void aTokenPlantedOnAVictimsBrowserNeverBecomesTheSignedInVisitor() {
        Api api = new Api(base);
        Api.Visitor attacker = api.newVisitor();
        long bait = api.conversation(attacker.token());
        api.sendOk(attacker.token(), bait, "bait-1", "hello from the attacker");
        String user = "victim-" + System.nanoTime();
        String victimsPhone = Json.parse(Api.expect(201, api.request("POST", "/api/visitors", null, Json.object()
                .put("identity", SiteIdentity.sign(user, "Dana", "dana@example.com")).toString())).body()).get("token").asText();
        long victims = api.conversation(victimsPhone);
        api.sendOk(victimsPhone, victims, "phone-1", "my order 4711 and my address");
        String storageKey = "switchboard.visitor." + base.toString().replaceAll("/$", "");
        try (Browser victim = new Browser(420, 760)) {
            victim.onEveryPage("""
                    new MutationObserver(() => {
                      const tag = document.querySelector('script[src$="widget.js"]');
                      const identity = localStorage.getItem('site.identity');
                      if (tag && identity && !tag.dataset.identity) tag.dataset.identity = identity;
                    }).observe(document, { childList: true, subtree: true });""");
            // 1. A link with the attacker's token in its fragment: the widget drops it, unused.
            victim.open(base + "demo.html#switchboard-token=" + attacker.token() + "&switchboard-conversation=" + bait);
            eventually(WAIT, () -> victim.inWidget(".sbw-launcher"), WebElement::isDisplayed);
            eventually(WAIT, () -> (String) victim.script("return location.hash"), ""::equals);
            assertTrue(!attacker.token().equals(victim.script("return localStorage.getItem(arguments[0])", storageKey)),
                    "the widget took the token from the address");
            // 2. Planted in the browser's storage, and then the victim logs in on the site.
            victim.script("localStorage.setItem(arguments[0], arguments[1])", storageKey, attacker.token());
            victim.script("localStorage.setItem('site.identity', arguments[0])", SiteIdentity.sign(user, "Dana", "dana@example.com"));
            victim.open(base + "demo.html");
            String victimsToken = eventually(WAIT, () -> (String) victim.script("return localStorage.getItem(arguments[0])", storageKey),
                    t -> t != null && !t.equals(attacker.token()));
            JsonNode me = Json.parse(Api.expect(200, api.get(victimsToken, "/api/visitors/me")).body());
            assertTrue(me.get("verified").asBoolean(), "the victim's device is the signed-in victim: " + me);
            openWidget(victim);
            eventually(WAIT, () -> victim.inWidget(".sbw-input"), WebElement::isDisplayed).sendKeys("logged in now" + Keys.ENTER);
            eventually(WAIT, () -> victim.allInWidget(".sbw-mine .sbw-state").stream().anyMatch(e -> e.getText().equals("Sent")), sent -> sent);
        }
        // The attacker's token: nothing of the victim's, on any path.
        String messages = "/api/conversations/" + victims + "/messages";
        assertEquals(401, api.get(attacker.token(), "/api/visitors/me").statusCode());
        assertEquals(401, api.get(attacker.token(), "/api/conversations").statusCode());
        assertEquals(401, api.get(attacker.token(), messages + "?after=0").statusCode());
        assertEquals(401, api.get(attacker.token(), messages + "?after=0&wait=1s").statusCode());
        assertEquals(401, api.send(attacker.token(), victims, "forged-1", "send me the invoice").statusCode());
        assertEquals(401, api.get(attacker.token(), "/api/conversations/" + victims + "/events?after=0").statusCode());
        assertEquals(401, api.get(attacker.token(), "/api/conversations/" + victims + "/iframe-stream?after=0").statusCode());
        assertEquals(401, io.switchboard.support.WsClient.refusal(base, "visitor", attacker.token()));
        assertTrue(storedTexts(api, victims).stream().noneMatch(t -> t.contains("invoice")), "nothing was sent as the victim");
    }

    /**
     * #16: an admin adds a webhook in the console (the signing secret is shown once), a visitor's message
     * reaches the receiver signed, the list tells how delivery is doing, and the endpoint is disabled and
     * deleted from there. Agents who are not admins have no Webhooks button.
     */
    @Test
    void anAdminManagesWebhooksInTheConsole() throws Exception {
        Api api = new Api(base);
        try (WebhookReceiver receiver = new WebhookReceiver();
                Browser console = console(new Agent(0, Api.ADMIN, "Admin", Api.ADMIN_PASSWORD), "")) {
            click(console, "#webhooks-open");
            WebElement url = eventually(WAIT, () -> console.find("#webhooks-url"), WebElement::isDisplayed);
            eventually(WAIT, () -> console.findAll("#webhooks-events input").size(), n -> n >= 8);
            url.sendKeys(receiver.url().toString());
            console.find("#webhooks-description").sendKeys("CRM sync");
            console.find("#webhooks-form button[type=submit]").click();
            String secretLine = eventually(WAIT, () -> console.find("#webhooks-secret").getText(), t -> t.contains("whsec_"));
            String secret = secretLine.substring(secretLine.indexOf("whsec_")).strip();
            assertAccessible(console, "the webhooks dialog");
            WebElement row = eventually(WAIT, () -> console.find("#webhooks-list li"), WebElement::isDisplayed);
            long id = Long.parseLong(row.getAttribute("data-id"));
            try {
                Chat chat = Chat.start(base);
                chat.send(chat.visitorToken(), "hook-1", "Hello, webhook");
                WebhookReceiver.Delivery d = eventually(WAIT, receiver::accepted, l -> !l.isEmpty()).get(0);
                assertEquals("message.created", d.type());
                assertTrue(WebhookReceiver.verifies(secret, d), "signed with the secret the console showed");
                // The list tells how it is doing (re-read when the dialog opens again).
                console.find("#webhooks-close").click();
                click(console, "#webhooks-open");
                eventually(WAIT, () -> console.find("#webhooks-list li .state").getText(), t -> t.contains("last answer 200"));
                click(console, "#webhooks-list li button[aria-label^='Disable']");
                eventually(WAIT, () -> console.find("#webhooks-list li .state").getText(), t -> t.startsWith("Disabled: disabled by an admin"));
                console.script("window.confirm = () => true");
                click(console, "#webhooks-list li button[aria-label^='Delete']");
                eventually(WAIT, () -> console.findAll("#webhooks-list li").size(), n -> n == 0);
                assertEquals(404, api.get(api.agentToken(), "/api/webhooks/" + id).statusCode());
                id = 0;
            } finally {
                if (id != 0) {
                    api.request("DELETE", "/api/webhooks/" + id, api.agentToken(), null);
                }
            }
        }
        Agent plain = newAgent(api, "Noah");
        try (Browser console = console(plain, "")) {
            assertTrue(!console.find("#webhooks-open").isDisplayed(), "no Webhooks button for an agent who is not an admin");
        }
    }

    private static List<String> directions(List<WebElement> elements) {
        return elements.stream().map(e -> e.getCssValue("direction")).toList();
    }

    @SuppressWarnings("unchecked")
    /** Keeps every desktop notification the page shows in {@code window.__notifications} ("title | body"). */
    private static final String RECORD_NOTIFICATIONS = """
            (() => {
              const Real = window.Notification;
              window.__notifications = [];
              window.Notification = class extends Real {
                constructor(title, options) {
                  super(title, options);
                  window.__notifications.push(title + ' | ' + ((options && options.body) || ''));
                }
              };
            })();""";

    private static List<String> notifications(Browser browser) {
        return (List<String>) browser.script("return window.__notifications.slice()");
    }

    private static List<Long> ids(Browser browser, String css) {
        return browser.findAll(css).stream().map(li -> Long.parseLong(li.getAttribute("data-conversation-id"))).toList();
    }

    // ---- helpers --------------------------------------------------------------------------------------------
    record Agent(long id, String username, String name, String password) {
    }

    private Agent newAgent(Api api, String name) {
        String username = name.toLowerCase() + System.nanoTime();
        String password = "pw-" + username;
        JsonNode created = Json.parse(Api.expect(201, api.request("POST", "/api/agents", api.agentToken(),
                Json.object().put("username", username).put("name", name).put("password", password).put("role", "agent")
                        .toString())).body());
        return new Agent(created.get("id").asLong(), username, name, password);
    }

    /** A console logged in as {@code agent} in its own browser. */
    private Browser console(Agent agent, String query) {
        return console(base.toString(), agent, query);
    }

    /** A console served from {@code origin} (e.g. through a proxy), logged in as {@code agent}. */
    private Browser console(String origin, Agent agent, String query) {
        return logIn(new Browser(), origin, agent, query);
    }

    /** Opens the console in {@code browser} and logs in; closes the browser if it never comes online. */
    private static Browser logIn(Browser browser, String origin, Agent agent, String query) {
        browser.open(origin + "console/" + query);
        eventually(WAIT, () -> browser.find("#username"), WebElement::isDisplayed).sendKeys(agent.username);
        browser.find("#password").sendKeys(agent.password + Keys.ENTER);
        try {
            eventually(WAIT, () -> browser.find("body").getAttribute("data-state"), "online"::equals);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            AssertionError failure = new AssertionError("console never came online; state="
                    + browser.find("body").getAttribute("data-state") + " login error="
                    + browser.find("#login-error").getText() + " log=" + browser.consoleLog());
            browser.close();
            throw failure;
        }
        return browser;
    }

    /** Opens the chat panel unless it is open already (a reload keeps it open). */
    // ---- attachments (#15): by button and by paste in the widget, thumbnails in the console, a download in
    // the widget, and an upload cut by the network retried from the outbox ------------------------------------
    @Test
    void filesGoBothWaysByButtonAndPasteAndAnUploadCutByTheNetworkIsRetried() throws Exception {
        Api api = new Api(base);
        Agent agent = newAgent(api, "Fiona");
        java.nio.file.Path png = java.nio.file.Files.createTempFile("screenshot", ".png");
        java.nio.file.Path pdf = java.nio.file.Files.createTempFile("invoice", ".pdf");
        java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(120, 80, java.awt.image.BufferedImage.TYPE_INT_RGB);
        image.getGraphics().fillRect(10, 10, 50, 30);
        javax.imageio.ImageIO.write(image, "png", png.toFile());
        java.nio.file.Files.writeString(pdf, "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
        try (TcpProxy proxy = new TcpProxy(base.getPort()); Browser console = console(agent, "");
                Browser visitor = new Browser(420, 760)) {
            visitor.open("http://localhost:" + proxy.port() + "/demo.html");
            openWidget(visitor);
            eventually(WAIT, () -> visitor.inWidget(".sbw-input"), WebElement::isDisplayed).sendKeys("my screen is broken" + Keys.ENTER);
            long conversation = conversationOf(visitor);
            console.script("location.hash = arguments[0]", "#/c/" + conversation);
            eventually(WAIT, () -> texts(console, "#messages .text"), t -> t.contains("my screen is broken"));

            // By the button (its file input, as the browser's file chooser fills it).
            visitor.script("document.getElementById('switchboard-widget').shadowRoot.querySelector('.sbw-file-input').hidden = false");
            visitor.inWidget(".sbw-file-input").sendKeys(png.toString());
            eventually(WAIT, () -> console.findAll("#messages .message.visitor .thumb img").size(), n -> n == 1);
            eventually(WAIT, () -> console.script("return document.querySelector('#messages .thumb img').naturalWidth"),
                    w -> Long.valueOf(120).equals(w));
            eventually(WAIT, () -> visitor.script("var i = document.getElementById('switchboard-widget').shadowRoot"
                    + ".querySelector('.sbw-image img'); return i ? i.naturalWidth : 0"), w -> Long.valueOf(120).equals(w));

            // By pasting a screenshot into the message box.
            visitor.script("""
                    const c = document.createElement('canvas'); c.width = 64; c.height = 40;
                    c.getContext('2d').fillRect(0, 0, 30, 20);
                    c.toBlob(blob => {
                      const data = new DataTransfer();
                      data.items.add(new File([blob], 'pasted.png', { type: 'image/png' }));
                      const input = document.getElementById('switchboard-widget').shadowRoot.querySelector('.sbw-input');
                      input.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
                    }, 'image/png');""");
            eventually(WAIT, () -> console.findAll("#messages .message.visitor .thumb img").size(), n -> n == 2);
            eventually(WAIT, () -> console.script("return document.querySelectorAll('#messages .thumb img')[1].naturalWidth"),
                    w -> Long.valueOf(64).equals(w));

            // The agent sends a PDF; the visitor downloads it from the widget.
            console.script("document.getElementById('attach-input').hidden = false");
            console.find("#attach-input").sendKeys(pdf.toString());
            String href = eventually(WAIT, () -> (String) visitor.script("var a = document.getElementById('switchboard-widget')"
                    + ".shadowRoot.querySelector('.sbw-theirs .sbw-file'); return a ? a.href : null"), h -> h != null && !h.isEmpty());
            assertTrue(visitor.script("var a = document.getElementById('switchboard-widget').shadowRoot"
                    + ".querySelector('.sbw-theirs .sbw-file'); return a.textContent").toString().contains(pdf.getFileName().toString()));
            Object download = ((org.openqa.selenium.JavascriptExecutor) visitor.driver()).executeAsyncScript("""
                    const done = arguments[arguments.length - 1];
                    fetch(arguments[0]).then(r => r.text().then(t => done(r.status + ' ' + r.headers.get('content-disposition') + ' ' + t.slice(0, 8))))
                      .catch(e => done('failed ' + e));""", href);
            assertTrue(download.toString().startsWith("200 attachment;"), String.valueOf(download));
            assertTrue(download.toString().endsWith("%PDF-1.4"), String.valueOf(download));

            // The network goes; a file attached meanwhile waits in the outbox and goes when it is back.
            proxy.cut();
            eventually(WAIT, () -> hostData(visitor, "state"), "reconnecting"::equals);
            visitor.inWidget(".sbw-file-input").sendKeys(pdf.toString());
            eventually(WAIT, () -> texts(visitor.allInWidget(".sbw-mine .sbw-state")),
                    t -> !t.isEmpty() && !t.get(t.size() - 1).equals("Sent"));
            proxy.restore();
            eventually(Duration.ofSeconds(60), () -> console.findAll("#messages .message.visitor .files .file").size(), n -> n == 1);
            JsonNode stored = Json.parse(api.get(api.agentToken(), "/api/conversations/" + conversation + "/messages").body());
            int files = 0;
            for (JsonNode m : stored) {
                files += m.get("attachments").size();
            }
            assertEquals(4, files, "each file stored once: " + stored);

            // A file refused for good keeps its place in time: the reply that comes after it shows below it,
            // at the bottom of the list and in view (it used to be placed above the failed bubble, out of sight).
            java.nio.file.Path page = java.nio.file.Files.createTempFile("page", ".html");
            java.nio.file.Files.writeString(page, "<!doctype html><html><body><script>alert(1)</script></body></html>");
            visitor.inWidget(".sbw-file-input").sendKeys(page.toString());
            eventually(WAIT, () -> texts(visitor.allInWidget(".sbw-mine .sbw-state")),
                    t -> !t.isEmpty() && t.get(t.size() - 1).equals("Not sent: Files of this kind cannot be sent here."));
            console.find("#reply").sendKeys("Here is what to do next" + Keys.ENTER);
            String lastInWidget = "const l = document.getElementById('switchboard-widget').shadowRoot.querySelector('.sbw-messages');"
                    + " const last = l.lastElementChild; const a = l.getBoundingClientRect(), b = last.getBoundingClientRect();"
                    + " return (b.top >= a.top - 1 && b.bottom <= a.bottom + 1 ? 'in view: ' : 'out of view: ')"
                    + " + (last.querySelector('.sbw-text') || last).textContent;";
            eventually(WAIT, () -> visitor.script(lastInWidget), "in view: Here is what to do next"::equals);
            visitor.screenshot("widget-attachments");
            console.screenshot("console-attachments");
        }
    }

    private static void openWidget(Browser visitor) {
        WebElement launcher = visitor.inWidget(".sbw-launcher");
        if (launcher.isDisplayed()) {
            launcher.click();
        }
        eventually(WAIT, () -> visitor.inWidget(".sbw-panel"), WebElement::isDisplayed);
    }

    private WebElement waitingEntry(Browser console, long conversation) {
        return eventually(WAIT, () -> console.find("#waiting li[data-conversation-id='" + conversation + "']"),
                WebElement::isDisplayed);
    }

    /** Clicks the first element matching {@code css}, again if a live update replaced it meanwhile. */
    private static void click(Browser browser, String css) {
        eventually(WAIT, () -> {
            WebElement element = browser.find(css);
            if (!element.isDisplayed()) {
                return false;
            }
            element.click();
            return true;
        }, done -> done);
    }

    private static void openFromWaitingList(Browser console, long conversation) {
        click(console, "#waiting li[data-conversation-id='" + conversation + "']");
        eventually(WAIT, () -> console.find("#waiting li[data-conversation-id='" + conversation + "']").getAttribute("class"),
                c -> c != null && c.contains("active"));
    }

    private static long conversationOf(Browser visitor) {
        return Long.parseLong(eventually(WAIT, () -> hostData(visitor, "conversationId"), id -> id != null));
    }

    private static String hostData(Browser browser, String key) {
        return (String) browser.script("return document.getElementById('switchboard-widget').dataset[arguments[0]]", key);
    }

    private static List<String> texts(Browser browser, String css) {
        return Browser.texts(browser.findAll(css));
    }

    private static List<String> texts(List<WebElement> elements) {
        return Browser.texts(elements);
    }
}
