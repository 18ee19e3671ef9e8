-- Failed logins, shared by every replica (a username locked on one is locked on all). One row per
-- (username, source address) locks that source; the row with source '*' counts failures from everywhere and
-- locks the account for sources that never logged in to it successfully (login_trusted_source), so a guesser
-- cannot lock the owner out. Usernames are normalised and capped at 64 characters before they are stored;
-- rows idle for a day are purged (LoginGuard.purge).
create table login_failure (
    username     text        not null check (length(username) <= 64),
    source       text        not null check (length(source) <= 64),
    failures     integer     not null,
    lock_ms      bigint      not null default 0,
    locked_until timestamptz,
    updated_at   timestamptz not null default now(),
    primary key (username, source)
);
create index login_failure_updated on login_failure (updated_at);

create table login_trusted_source (
    username     text        not null check (length(username) <= 64),
    source       text        not null check (length(source) <= 64),
    last_success timestamptz not null default now(),
    primary key (username, source)
);
create index login_trusted_source_last on login_trusted_source (last_success);
