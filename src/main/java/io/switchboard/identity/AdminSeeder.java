package io.switchboard.identity;

import java.util.Optional;

import org.jboss.logging.Logger;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import io.switchboard.config.SwitchboardConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.PersistenceException;

/**
 * Creates the first admin from configuration ({@code switchboard.agents.admin.*}, e.g. the env var
 * {@code SWITCHBOARD_AGENTS_ADMIN_PASSWORD}) if no agent has that username. Without a configured password
 * nothing is seeded: there is no built-in default password. In production a placeholder or weak password
 * stops the start with a message saying what to set ({@link AdminPassword}).
 */
@ApplicationScoped
public class AdminSeeder {

    private static final Logger LOG = Logger.getLogger(AdminSeeder.class);

    @Inject
    SwitchboardConfig config;

    @Inject
    Agents agents;

    void seed(@Observes StartupEvent event) {
        SwitchboardConfig.Agents.Admin admin = config.agents().admin();
        if (admin.password().isEmpty()) {
            LOG.info("no switchboard.agents.admin.password configured: no admin agent seeded");
            return;
        }
        Optional<String> weakness = AdminPassword.weakness(admin.password().get());
        if (weakness.isPresent()) {
            String message = "switchboard.agents.admin.password (SWITCHBOARD_AGENTS_ADMIN_PASSWORD) is refused: "
                    + weakness.get() + ". The admin account guards the agent console; set a password of at least "
                    + AdminPassword.MIN_LENGTH + " characters that is not the example's.";
            if (LaunchMode.current() == LaunchMode.NORMAL) {
                throw new IllegalStateException(message);
            }
            LOG.warn(message + " (accepted outside production)");
        }
        try {
            if (agents.createIfAbsent(admin.username(), admin.displayName(), admin.password().get(), Agent.Role.admin)) {
                LOG.infof("seeded admin agent '%s'", admin.username());
            }
        } catch (PersistenceException e) {
            LOG.infof("admin agent '%s' was seeded concurrently by another replica", admin.username());
        }
    }
}
