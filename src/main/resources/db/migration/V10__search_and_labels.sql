-- Full-text search over messages and visitors. The 'simple' configuration (no stemming, no stop words)
-- treats every language alike; e-mail addresses are single tokens.
alter table message add column search tsvector generated always as (to_tsvector('simple', text)) stored;
create index message_search on message using gin (search);
create index visitor_search on visitor using gin (to_tsvector('simple', display_name || ' ' || coalesce(email, '')));
create index visitor_email on visitor (lower(email));

-- Labels on conversations: agents' words ("billing", "vip"), at most 10 per conversation (the API's budget).
create table conversation_label (
    conversation_id bigint      not null references conversation (id) on delete cascade,
    label           varchar(32) not null check (label ~ '^[\w-]{1,32}$'),
    created_at      timestamptz not null default now(),
    primary key (conversation_id, label)
);
create index conversation_label_label on conversation_label (label, conversation_id);
