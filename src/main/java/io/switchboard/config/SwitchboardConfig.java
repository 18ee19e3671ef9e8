package io.switchboard.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Every Switchboard setting, under the {@code switchboard.} prefix. */
@ConfigMapping(prefix = "switchboard")
public interface SwitchboardConfig {

    Messages messages();

    LongPoll longPoll();

    Sse sse();

    Iframe iframe();

    Agents agents();

    Visitors visitors();

    Fanout fanout();

    EmbeddedDb embeddedDb();

    Security security();

    Assignment assignment();

    Canned canned();

    Attachments attachments();

    Webhooks webhooks();

    Email email();

    /**
     * E-mail to visitors (their unread replies, transcripts) and to the team (a message left while nobody was
     * online), through the Quarkus Mailer ({@code quarkus.mailer.*}: host, port, credentials, TLS). Off unless
     * {@code from} and {@code public-url} are set.
     */
    interface Email {
        /** The sender, e.g. {@code "Acme support <support@acme.example>"}. */
        Optional<String> from();

        /** Where this service is reached from outside ({@code https://chat.acme.example}): links in e-mails. */
        Optional<String> publicUrl();

        /**
         * The page of the site that has the widget: a visitor's "continue the conversation" link lands there
         * (the widget picks the conversation up). Default: the demo page of this service.
         */
        Optional<String> continueUrl();

        /** Replies still unread this long after the first of them are e-mailed, together, to the visitor. */
        @WithDefault("PT5M")
        Duration notifyAfter();

        /** Where a message left while no agent was online is announced (none: no team alert). */
        Optional<String> teamAddress();

        /** Send the visitor a transcript when a conversation is resolved (they can always ask for one). */
        @WithDefault("false")
        boolean transcriptOnResolve();

        /** How long a "continue the conversation" link works (once). */
        @WithDefault("P7D")
        Duration linkTtl();

        /** Attempts before a failing e-mail is given up (failed); a permanent refusal (5xx) stops at once. */
        @WithDefault("8")
        int maxAttempts();

        @WithDefault("PT30S")
        Duration backoffBase();

        /** How often each replica looks for e-mails due. */
        @WithDefault("2s")
        String poll();

        /** How much of a conversation a transcript holds (the newest messages). */
        @WithDefault("500")
        int transcriptMessages();

        /**
         * Transcripts one visitor may ask for in a day (visitor and agents together); one more is
         * {@code 429 rate_limited}.
         */
        @WithDefault("5")
        int transcriptsPerVisitorPerDay();

        /**
         * Confirmation mails one address may get in a day, whoever asks: an address is never mail-bombed
         * through the support address. One more is {@code 429 rate_limited}.
         */
        @WithDefault("3")
        int confirmationsPerAddressPerDay();

        /** Transcripts and confirmations asked for from one client address in an hour. */
        @WithDefault("20")
        int emailRequestsPerSourcePerHour();

        /** How long an address confirmation link works. */
        @WithDefault("24h")
        Duration confirmationTtl();
    }

    /** Webhooks: signed (Standard Webhooks), durable, ordered per conversation, replayable by cursor. */
    interface Webhooks {
        /** Endpoints an operator may register. */
        @WithDefault("20")
        int maxEndpoints();

        /**
         * Hosts (name or address, optionally {@code :port}) a webhook may go to although they are loopback,
         * private, link-local or otherwise internal; everything else internal is refused (no SSRF).
         */
        Optional<List<String>> allowedHosts();

        /** How long an event is retried before its endpoint is disabled (the event stays queued). */
        @WithDefault("PT24H")
        Duration retryFor();

        /** The first retry's delay; each next one doubles, with jitter, up to {@code backoff-max}. */
        @WithDefault("PT5S")
        Duration backoffBase();

        @WithDefault("PT1H")
        Duration backoffMax();

        /** Connect plus answer, per attempt. */
        @WithDefault("PT10S")
        Duration timeout();

        /** A replica delivering to an endpoint holds it this long (renewed per delivery); a crashed one's expires. */
        @WithDefault("PT60S")
        Duration lease();

        /** How often each replica looks for endpoints with events due. */
        @WithDefault("1s")
        String poll();

        /** Events (and their deliveries) are kept this long: the replay window. */
        @WithDefault("P7D")
        Duration retention();

        /** After rotating a secret, deliveries are signed with the old one as well for this long. */
        @WithDefault("PT24H")
        Duration previousSecretFor();
    }

    interface Attachments {
        /**
         * Where the bytes go: {@code postgres} (chunks in the database; nothing else to run) or {@code s3} (an
         * S3-compatible object store, {@code switchboard.attachments.s3.*}). Metadata stays in PostgreSQL.
         */
        @WithDefault("postgres")
        Store store();

        enum Store {
            postgres, s3
        }

        S3 s3();

        interface S3 {
            /** The bucket (it must exist). */
            Optional<String> bucket();

            /** Object keys start with this. */
            @WithDefault("attachments/")
            String prefix();

            /** An S3-compatible service's address (MinIO, Ceph, R2, S3Proxy…); unset: AWS S3 of {@code region}. */
            Optional<java.net.URI> endpoint();

            @WithDefault("us-east-1")
            String region();

            /** Path-style addresses ({@code endpoint/bucket/key}), as most S3-compatible services want. */
            @WithDefault("true")
            boolean pathStyle();

            /** Static credentials; unset: the AWS default chain (environment, web identity, instance role…). */
            Optional<String> accessKeyId();

            Optional<String> secretAccessKey();
        }

        /** Largest file; one byte more is refused with 413 {@code attachment_too_large} and nothing is kept. */
        @WithDefault("10M")
        MemorySize maxSize();

        /** Most attachments on one message. */
        @WithDefault("10")
        int maxPerMessage();

        /**
         * Content types accepted, as detected from the bytes (never the client's Content-Type or file name):
         * images, PDF, plain text and CSV, and the common office formats.
         */
        @WithDefault("image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,text/csv,"
                + "application/msword,application/vnd.ms-excel,application/vnd.ms-powerpoint,"
                + "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
                + "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,"
                + "application/vnd.openxmlformats-officedocument.presentationml.presentation,"
                + "application/vnd.oasis.opendocument.text,application/vnd.oasis.opendocument.spreadsheet,"
                + "application/vnd.oasis.opendocument.presentation,application/rtf")
        List<String> allowedTypes();

        /**
         * Bytes an upload holds in memory before writing them to the store (one chunk), and the size of the
         * stored chunks: what one upload costs the heap, whatever the file's size.
         */
        @WithDefault("256K")
        MemorySize chunkSize();

        /** Uploads in progress on this replica at once; one more is refused with 503 {@code overloaded}. */
        @WithDefault("32")
        int concurrentUploads();

        /** Uploads in progress for one visitor or agent at once; one more is refused with 429. */
        @WithDefault("3")
        int concurrentUploadsPerIdentity();

        /**
         * Uploads in progress from one client address at once (many identities from one place count together);
         * one more is refused with 429. Keeps one address from holding every place of the instance.
         */
        @WithDefault("8")
        int concurrentUploadsPerAddress();

        /**
         * The slowest an upload may send while the service waits for it: below this, measured over 10 s of
         * waiting, it is cut ({@code 408 upload_too_slow}) and its place freed. A trickle must not hold a place.
         */
        @WithDefault("1K")
        MemorySize minUploadRate();

        /** How long a signed link ({@code GET /api/attachments/{id}/link}) works. */
        @WithDefault("10m")
        Duration linkTtl();

        /** An upload that no message references after this long is deleted, with its bytes. */
        @WithDefault("24h")
        Duration orphanAfter();

        /** An upload still incomplete after this long (its client or replica died mid-way) is deleted. */
        @WithDefault("1h")
        Duration abandonedAfter();
    }

    interface Canned {
        /** Most canned responses shared by the team; one more is refused. */
        @WithDefault("500")
        int maxShared();

        /** Most canned responses of one agent's own; one more is refused. */
        @WithDefault("100")
        int maxPersonal();
    }

    interface Assignment {
        /** Give each new (or reopened) conversation to the available agent assigned longest ago. */
        @WithDefault("false")
        boolean auto();
    }

    Limits limits();

    interface Security {
        /**
         * Origins (scheme://host[:port]) allowed to open a WebSocket or make credentialed cross-origin calls,
         * besides the service's own origin: the sites that embed the widget. A request with any other Origin
         * is refused (403), which stops cross-site WebSocket hijacking of a visitor's cookie.
         */
        Optional<List<String>> allowedOrigins();

        /** Who may frame the pages (CSP frame-ancestors) besides the service itself. */
        Optional<List<String>> frameAncestors();

        /**
         * {@code Strict-Transport-Security} max-age on every answer: browsers then never reach the service over
         * plain HTTP (the service answers it whether or not TLS ends at a gateway: Envoy-based gateways do not add
         * it). {@code 0s} sends none (a service reached over plain HTTP on purpose).
         */
        @WithDefault("365d")
        Duration hstsMaxAge();

        /** Whether the HSTS header covers the service's subdomains too ({@code includeSubDomains}). */
        @WithDefault("false")
        boolean hstsIncludeSubdomains();
    }

    interface Limits {
        /** Live connections (WebSocket, SSE, iframe, long-poll) one visitor or agent token may hold. */
        @WithDefault("20")
        int connectionsPerIdentity();

        /** Conversations one live connection may follow at once (resume); the next is refused. */
        @WithDefault("100")
        int subscriptionsPerConnection();

        /**
         * Live connections (every transport) this replica holds at once; the next is refused with
         * {@code instance_full} (503, WebSocket close 1013) and the client reconnects, through the Service, to
         * another replica. Sized so that the pod stays inside its memory limit (docs/deploy.md).
         */
        @WithDefault("10000")
        int connectionsPerInstance();

        /**
         * A live connection older than this (spread over its last 20 %) is closed with 1001, and its client
         * reconnects — through the Service, to any replica — and resumes from its cursor: replicas added by a
         * scale-out get their share of long-lived clients. Unset: connections live as long as their clients.
         */
        Optional<Duration> maxConnectionAge();

        /** Live connections one client IP may hold. */
        @WithDefault("500")
        int connectionsPerIp();

        /** Bytes queued towards one WebSocket client that is not reading before it is dropped (4000). */
        @WithDefault("1048576")
        int maxPendingBytes();

        /** Events queued towards one SSE or iframe client that is not reading before it is dropped. */
        @WithDefault("1000")
        int maxPendingEvents();

        /**
         * Frames read from one WebSocket and not yet taken by the endpoint (each waits as a task on the event
         * loop); at this many the server stops reading the socket until half are taken (TCP back-pressure).
         */
        @WithDefault("64")
        int inboundDispatch();

        /**
         * Frames a WebSocket client sent that are not handled yet; one more closes it (1008). A burst (a
         * reconnect's resumes, pipelined sends) fits; a client that keeps sending faster than it is answered
         * does not.
         */
        @WithDefault("1024")
        int inboundFrames();

        /** Characters of such frames, per connection (a frame is at most 64 KiB). */
        @WithDefault("1048576")
        int inboundBytes();

        /**
         * Characters of such frames on all connections of this instance together: what bounds the memory
         * that many flooding connections can take; a frame that does not fit closes its sender (1008).
         */
        @WithDefault("33554432")
        long inboundBytesTotal();

        /**
         * Frames of any kind — text, binary, continuation, ping, pong, close — one WebSocket may send per second,
         * counted as they arrive, before anything decodes them; a client over it is closed (1008). Every frame
         * costs CPU whether or not it carries a message.
         */
        @WithDefault("30")
        int inboundFramesPerSecond();

        /** The burst of frames above that rate one WebSocket may send (a reconnect's resumes, pipelined sends). */
        @WithDefault("120")
        int inboundFramesBurst();

        /**
         * Bytes of frames that have begun to arrive but are not complete yet, on all WebSockets of this instance
         * together (each holds at most one frame, and a frame is at most the message limit, 64 KiB): a frame that
         * would take more closes its sender (1013). Bounds what half-sent frames can hold.
         */
        @WithDefault("16777216")
        long inboundPartialBytesTotal();

        /** A frame begun and not finished within this long closes its sender (1008): half-sent frames do not wait. */
        @WithDefault("10s")
        Duration partialFrameTimeout();

        /** A WebSocket that sends nothing (not even a ping) for this long is closed (4001). */
        @WithDefault("75s")
        Duration idleTimeout();

        /**
         * A connection on which nothing the server queued could be written for this long (the client stopped
         * reading, whatever it sends) is torn down at the TCP level, releasing what was queued for it. Keep it
         * above the long-poll wait, the heartbeats and the WebSocket auto-ping interval, which all write.
         */
        @WithDefault("60s")
        Duration writeStallTimeout();

        /**
         * An SSE or iframe client whose replay (a resume from an old cursor, written at the client's pace)
         * made no progress for this long has stopped reading: its connection is closed at once (TCP; it
         * resumes from its cursor). Checked every half of it.
         */
        @WithDefault("10s")
        Duration replayStallTimeout();

        /** Message sends per identity. */
        Rate sends();

        /** Typing notifications per identity. */
        Rate typing();

        /** Attachment uploads per identity (a retried upload counts again). */
        Rate uploads();

        /**
         * Frames that make the server read the store or change shared state: resume (a visibility check, a
         * state snapshot and a catch-up read each), presence and read receipts (a write each, announced when
         * the cursor moves). Per identity; the burst covers a console
         * reconnecting with every conversation it follows.
         */
        Rate control();

        /** Anonymous visitor creations per client IP, counted across every replica (in PostgreSQL). */
        Rate visitorCreation();

        /** Login attempts per client IP, counted across every replica (in PostgreSQL). */
        Rate logins();

        /**
         * Per-instance rate buckets (sends, typing, control frames) kept at once; the least recently used
         * beyond this is forgotten (its client starts again with a full bucket), as is one idle 5 minutes.
         */
        @WithDefault("100000")
        int localBuckets();

        /** Failed logins for one username from one address before that address is locked out of it. */
        @WithDefault("5")
        int loginFailuresBeforeLockout();

        /**
         * Failed logins for one username from one network (an IPv4 /24, an IPv6 /64) before that network is
         * locked out of it, as an address is: a guesser rotating through the addresses of one network gets no
         * fresh budget per address. An address that logged in to the account successfully before is never held
         * by its network's lock. No lock covers the whole account: guessing from elsewhere never locks the owner.
         */
        @WithDefault("20")
        int loginFailuresBeforeNetworkLockout();

        /**
         * Failed logins for one username from everywhere within a day that make the service log a warning
         * ("account under attack", once a day per account): nothing is locked by it.
         */
        @WithDefault("50")
        int loginFailuresBeforeAccountAlert();

        /** First lockout; each further failure after a lock doubles it (capped at 1 h). */
        @WithDefault("30s")
        Duration lockout();

        /** Rate-limited frames after which a WebSocket is closed as abusive (1008). */
        @WithDefault("50")
        int violationsBeforeClose();

        interface Rate {
            /** Sustained rate, per second. */
            double perSecond();

            /** Burst allowance on top of the sustained rate. */
            int burst();
        }
    }

    interface Messages {
        /** Longest message text, in Unicode code points. */
        @WithDefault("4000")
        int maxLength();

        /** Most messages one cursor read returns (poll, long-poll, replay batches). */
        @WithDefault("200")
        int pageSize();

        /** Sends waiting to be written (all transports); one more is refused at once with 503 overloaded. */
        @WithDefault("2000")
        int writeQueue();

        /** Most sends committed together in one transaction (group commit). */
        @WithDefault("256")
        int batchSize();

        /** A send that waited this long in the write queue is refused (overloaded) instead of written late. */
        @WithDefault("5s")
        Duration maxQueueWait();

        /**
         * While this replica handles the notifications of its own commits this much later than it made them
         * (its fan-out is behind), new sends are refused (overloaded) instead of being delivered later still.
         */
        @WithDefault("1s")
        Duration maxDeliveryLag();
    }

    interface LongPoll {
        /** Upper bound for {@code ?wait=}; longer requests are capped to it. */
        @WithDefault("25s")
        Duration maxWait();
    }

    interface Sse {
        /** Interval of the comment heartbeat that keeps proxies from closing an idle stream. */
        @WithDefault("15s")
        Duration heartbeat();
    }

    interface Iframe {
        @WithDefault("15s")
        Duration heartbeat();

        /** The stream ends after this long; the client reopens it with its cursor. */
        @WithDefault("5m")
        Duration maxDuration();

        /** The stream ends after this many bytes, so a hidden frame's document cannot grow forever. */
        @WithDefault("262144")
        int maxBytes();

        /** Bytes of padding sent first so that old browsers start rendering at once. */
        @WithDefault("2048")
        int padding();
    }

    interface Agents {
        /** Lifetime of an agent login token. */
        @WithDefault("12h")
        Duration tokenTtl();

        /**
         * How often every instance re-reads the agent tokens of its live connections and closes those revoked
         * or expired (4401): a revocation whose notification was lost is healed within this time.
         */
        @WithDefault("30s")
        Duration tokenRecheck();

        /** Name of the HttpOnly cookie that carries an agent's token in the console. */
        @WithDefault("sb_agent")
        String cookieName();

        /** How agent passwords are stored: Argon2id, OWASP's minimum by default (19 MiB, 2 passes). */
        PasswordHash passwordHash();

        interface PasswordHash {
            /** Argon2id memory in KiB; each hash running needs this much heap while it runs. */
            @WithDefault("19456")
            int memoryKib();

            @WithDefault("2")
            int iterations();

            @WithDefault("1")
            int parallelism();

            /**
             * Hashes computed at once (logins, failed ones included, and agent creation); more wait for a
             * turn up to {@code wait}, then are refused with 503 overloaded. Bounds the memory guessing can
             * take: {@code concurrency} × {@code memory-kib}.
             */
            @WithDefault("2")
            int concurrency();

            @WithDefault("5s")
            Duration waitForTurn();
        }

        /** The first admin agent, created at start if no agent with this username exists. */
        Admin admin();

        interface Admin {
            @WithDefault("admin")
            String username();

            @WithDefault("Administrator")
            String displayName();

            /** No password, no seeded admin: production never ships a default password. */
            Optional<String> password();
        }
    }

    interface Visitors {
        /** Name of the HttpOnly cookie that carries a browser visitor's token. */
        @WithDefault("sb_visitor")
        String cookieName();

        /** Mark identity cookies Secure (on under TLS, i.e. in production). */
        @WithDefault("false")
        boolean secureCookies();

        @WithDefault("P365D")
        Duration cookieMaxAge();

        /**
         * How long the one-time code a "continue the conversation" link hands the page stays good: the widget
         * exchanges it for a token of its own at once. Session tokens never travel in URLs.
         */
        @WithDefault("PT2M")
        Duration handoffTtl();

        /** Signed visitor identities: a site's logged-in user is one visitor on every device. */
        Identity identity();

        interface Identity {
            /**
             * The site's secrets for identity JWTs, each at least as long as the algorithm's hash (32 bytes for
             * HS256, 48 for HS384, 64 for HS512; a shorter one stops the service at start). The first is the
             * current one; a second is still accepted while the site rotates. None: identities are refused.
             */
            Optional<List<String>> secrets();

            /** The one algorithm identities are signed with: HS256, HS384 or HS512; a token with another is refused. */
            @WithDefault("HS256")
            String algorithm();

            /** Only signed-in visitors may chat: creating an anonymous visitor is refused ({@code 401 invalid_identity}). */
            @WithDefault("false")
            boolean required();

            /** The longest an identity token may still be valid for ({@code exp} further away is refused). */
            @WithDefault("PT24H")
            Duration maxLifetime();

            /** Clock difference tolerated between the site and this service when checking {@code exp} and {@code nbf}. */
            @WithDefault("PT60S")
            Duration clockSkew();

            /** When set, an identity's {@code aud} must name it. */
            Optional<String> audience();

            /** Devices (tokens) one visitor keeps; signing in on one more ends the oldest one's token. */
            @WithDefault("10")
            int maxDevices();
        }
    }

    interface Fanout {
        /** The PostgreSQL NOTIFY channel shared by every replica. */
        @WithDefault("switchboard_events")
        String channel();

        /**
         * Where the LISTEN connection goes (a reactive URL, {@code postgresql://host:port/db}); defaults to
         * {@code quarkus.datasource.reactive.url}. Set it to the database itself when the pools go through a
         * transaction-mode pooler (PgBouncer), which cannot keep a LISTEN: one connection per replica.
         */
        Optional<String> listenUrl();
    }

    interface EmbeddedDb {
        /**
         * Start an embedded PostgreSQL when no datasource URL is configured. Defaults to on in dev mode and
         * off otherwise; read by {@code SwitchboardMain} from system properties or the environment
         * ({@code SWITCHBOARD_EMBEDDED_DB_ENABLED}).
         */
        @WithDefault("false")
        boolean enabled();

        @WithDefault("0")
        int port();
    }
}
