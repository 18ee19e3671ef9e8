package io.switchboard.email;

import static io.switchboard.support.Browser.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.switchboard.support.Api;
import io.switchboard.support.Browser;
import io.switchboard.support.RequiresBrowser;
import io.switchboard.support.GreenMailResource;
import jakarta.mail.internet.MimeMessage;

/**
 * E-mail in the browser (#16): the widget's ✉ mails the visitor the chat (to the address she left), the
 * console's "Email transcript" does the same for an agent, and the link in the e-mail, opened on another
 * device, opens the widget on that conversation with its history.
 */
@QuarkusTest
@RequiresBrowser
@TestProfile(EmailTest.Mail.class)
class EmailBrowserTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TestHTTPResource("/")
    URI base;

    @Test
    void theWidgetAndTheConsoleMailTheChatAndItsLinkOpensItOnAnotherDevice() throws Exception {
        try (Browser laptop = new Browser(420, 760); Browser phone = new Browser(420, 760); Browser console = new Browser()) {
            laptop.open(base + "demo.html");
            eventually(WAIT, () -> laptop.inWidget(".sbw-launcher"), WebElement::isDisplayed).click();
            // Nobody is online: the visitor leaves a message with her address (the team is alerted by e-mail).
            WebElement form = eventually(WAIT, () -> laptop.inWidget(".sbw-offline"), WebElement::isDisplayed);
            form.findElement(By.cssSelector("input[name=email]")).sendKeys("mia@example.test");
            form.findElement(By.cssSelector("textarea[name=message]")).sendKeys("Hello from the laptop");
            form.findElement(By.cssSelector(".sbw-leave")).click();
            long conversation = Long.parseLong(eventually(WAIT, () -> (String) laptop.script(
                    "return document.getElementById('switchboard-widget').dataset.conversationId"), id -> id != null));
            WebElement mailMe = eventually(WAIT, () -> laptop.inWidget(".sbw-email"), WebElement::isDisplayed);
            assertEquals("Email me this chat", mailMe.getAttribute("aria-label"));
            mailMe.click();
            // #27: an address the visitor typed is confirmed first: a link goes to it, the transcript waits for it.
            eventually(WAIT, () -> Browser.texts(laptop.allInWidget(".sbw-notice")),
                    t -> t.contains("We sent a link to mia@example.test: open it to confirm the address, and the copy follows."));
            MimeMessage confirmation = eventually(WAIT, () -> to("mia@example.test"), l -> l.size() == 1).get(0);
            assertEquals("Confirm your e-mail address", confirmation.getSubject());
            String confirmText = text(confirmation);
            assertFalse(confirmText.contains("Hello from the laptop"), "nothing of the conversation before the address is confirmed");
            Matcher confirm = Pattern.compile("https://chat\\.acme\\.example/(api/email/confirm\\?t=[A-Za-z0-9_-]+)").matcher(confirmText);
            assertTrue(confirm.find(), confirmText);
            try (Browser mailbox = new Browser(420, 760)) { // the link opened where she reads her mail: a page, then a button
                mailbox.open(base + confirm.group(1));
                eventually(WAIT, () -> mailbox.find("button[type=submit]"), WebElement::isDisplayed).click();
                eventually(WAIT, () -> mailbox.find("h1").getText(), "Address confirmed"::equals);
            }
            MimeMessage transcript = eventually(WAIT, () -> to("mia@example.test"), l -> l.size() == 2).get(1);
            assertEquals("Transcript of your conversation #" + conversation, transcript.getSubject());
            String text = text(transcript);
            assertTrue(text.contains("Hello from the laptop"), text);

            // An agent sends one from the console.
            console.open(base + "console/");
            eventually(WAIT, () -> console.find("#username"), WebElement::isDisplayed).sendKeys(Api.ADMIN);
            console.find("#password").sendKeys(Api.ADMIN_PASSWORD + Keys.ENTER);
            eventually(WAIT, () -> console.find("body").getAttribute("data-state"), "online"::equals);
            console.script("location.hash = arguments[0]", "#/c/" + conversation);
            eventually(WAIT, () -> console.find("#email-transcript"), WebElement::isDisplayed).click();
            eventually(WAIT, () -> console.find("#action-error").getText(), "A transcript is on its way to the visitor."::equals);
            eventually(WAIT, () -> to("mia@example.test"), l -> l.size() == 3);

            // The link in the e-mail, opened on the phone: the widget opens on the conversation, history and all.
            Matcher link = Pattern.compile("https://chat\\.acme\\.example(/api/email/continue\\?t=[A-Za-z0-9_-]+)").matcher(text);
            assertTrue(link.find(), text);
            HttpResponse<String> opened = HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve(link.group(1))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(303, opened.statusCode());
            String location = opened.headers().firstValue("Location").orElseThrow();
            phone.open(base + "demo.html" + location.substring(location.indexOf('#')));
            eventually(WAIT, () -> phone.inWidget(".sbw-panel"), WebElement::isDisplayed);
            eventually(WAIT, () -> Browser.texts(phone.allInWidget(".sbw-mine .sbw-text")), List.of("Hello from the laptop")::equals);
            assertTrue(location.contains("#switchboard-continue="), "a one-time code, not a token: " + location);
            assertEquals("", phone.script("return location.hash"), "the code does not stay in the address bar");
            String key = "switchboard.visitor." + base.toString().replaceAll("/$", "");
            Object phoneToken = phone.script("return localStorage.getItem(arguments[0])", key);
            assertTrue(phoneToken instanceof String t && t.startsWith("v_")
                    && !t.equals(laptop.script("return localStorage.getItem(arguments[0])", key)), "the phone has a token of its own");

            // The unsubscribe link, in a browser: a page, its button, done. (The pages were no-referrer, so the
            // browser posted their forms with Origin: null, and the origin check refused them.)
            Matcher unsubscribe = Pattern.compile("https://chat\\.acme\\.example/(api/email/unsubscribe\\?v=[0-9]+&t=[A-Za-z0-9_-]+)")
                    .matcher(text);
            assertTrue(unsubscribe.find(), text);
            phone.open(base + unsubscribe.group(1));
            eventually(WAIT, () -> phone.find("button[type=submit]"), WebElement::isDisplayed).click();
            eventually(WAIT, () -> phone.find("h1").getText(), "Unsubscribed"::equals);
        }
    }

    /** #27: the ✉ button of a visitor without an address asks for one in the panel, not in a bare browser prompt. */
    @Test
    void theTranscriptButtonAsksForTheAddressInThePanel() throws Exception {
        try (Browser visitor = new Browser(420, 760)) {
            visitor.onEveryPage("window.prompt = () => { window.__prompted = true; return null; };");
            visitor.open(base + "demo.html");
            eventually(WAIT, () -> visitor.inWidget(".sbw-launcher"), WebElement::isDisplayed).click();
            // A first message, by the offline form (nobody online) or the composer (someone is): no address given.
            WebElement form = visitor.inWidget(".sbw-offline");
            WebElement input = visitor.inWidget(".sbw-input");
            eventually(WAIT, () -> form.isDisplayed() || input.isDisplayed(), shown -> shown);
            if (form.isDisplayed()) {
                form.findElement(By.cssSelector("textarea[name=message]")).sendKeys("No address yet");
                form.findElement(By.cssSelector(".sbw-leave")).click();
            } else {
                input.sendKeys("No address yet" + Keys.ENTER);
            }
            eventually(WAIT, () -> visitor.inWidget(".sbw-email"), WebElement::isDisplayed).click();

            WebElement field = eventually(WAIT, () -> visitor.inWidget(".sbw-ask input[type=email]"), WebElement::isDisplayed);
            assertEquals("sbw-ask-email", visitor.script(
                    "return document.getElementById('switchboard-widget').shadowRoot.activeElement.id"), "the focus is in the field");
            assertEquals("Your e-mail address for a copy of this chat", visitor.inWidget("label[for=sbw-ask-email]").getText());
            assertEquals(null, visitor.script("return window.__prompted || null"), "no browser prompt");
            field.sendKeys("not an address" + Keys.ENTER);
            eventually(WAIT, () -> visitor.inWidget(".sbw-ask .sbw-error").getText(),
                    "Please enter an e-mail address like name@example.com."::equals);
            assertEquals("true", field.getAttribute("aria-invalid"));
            field.clear();
            field.sendKeys("lena@example.test" + Keys.ENTER);
            eventually(WAIT, () -> Browser.texts(visitor.allInWidget(".sbw-notice")),
                    t -> t.contains("We sent a link to lena@example.test: open it to confirm the address, and the copy follows."));
            assertFalse(visitor.inWidget(".sbw-ask").isDisplayed(), "the field closes once the address is taken");
            assertEquals("Confirm your e-mail address",
                    eventually(WAIT, () -> to("lena@example.test"), l -> l.size() == 1).get(0).getSubject());
        }
    }

    private static List<MimeMessage> to(String address) {
        return GreenMailResource.receivedBy(address);
    }

    private static String text(MimeMessage m) throws Exception {
        return GreenMailResource.part(m, "text/plain");
    }
}
