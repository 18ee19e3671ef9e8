package io.switchboard.identity;

import java.security.SecureRandom;

import jakarta.enterprise.context.ApplicationScoped;

/** The seed's rule: a visitor who gives no name is called something friendly and distinguishable. */
@ApplicationScoped
public class NameGenerator {

    private static final String[] ADJECTIVES = { "Amber", "Brave", "Calm", "Clever", "Coral", "Curious", "Gentle",
            "Golden", "Happy", "Indigo", "Jolly", "Kind", "Lucky", "Mellow", "Misty", "Nimble", "Quiet", "Rapid",
            "Silver", "Sunny", "Swift", "Teal", "Witty", "Zesty" };
    private static final String[] ANIMALS = { "Badger", "Beaver", "Crane", "Dolphin", "Falcon", "Fox", "Heron",
            "Koala", "Lynx", "Marten", "Otter", "Owl", "Panda", "Puffin", "Raven", "Robin", "Seal", "Sparrow",
            "Tiger", "Turtle", "Walrus", "Wolf", "Wren", "Yak" };

    private final SecureRandom random = new SecureRandom();

    public String visitorName() {
        return ADJECTIVES[random.nextInt(ADJECTIVES.length)] + " " + ANIMALS[random.nextInt(ANIMALS.length)] + " "
                + (100 + random.nextInt(900));
    }
}
