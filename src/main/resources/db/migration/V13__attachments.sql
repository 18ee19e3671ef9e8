-- Attachments: files a visitor or an agent uploads into a conversation, then references from one message.
--   state            'uploading' while its bytes arrive; 'ready' once complete, typed and hashed
--   idempotency_key  the uploader's key for retries (Idempotency-Key header), if it sent one
--   sha256           of the content: a retried upload of the same bytes by the same uploader, not yet sent,
--                    answers with the first one instead of storing a second copy
--   message_seq      the message that carries it (null until sent; an unsent upload is an orphan after a while)
-- Deleting a conversation deletes its attachments and their bytes.
create table attachment (
    id               uuid         primary key,
    conversation_id  bigint       not null references conversation (id) on delete cascade,
    uploader_kind    varchar(8)   not null check (uploader_kind in ('visitor', 'agent')),
    uploader_id      bigint       not null,
    state            varchar(9)   not null default 'uploading' check (state in ('uploading', 'ready')),
    name             varchar(255) not null check (length(name) > 0),
    content_type     varchar(127),
    size             bigint       not null default 0 check (size >= 0),
    chunk_size       integer      not null check (chunk_size > 0),   -- as stored: a download reads it back by offset
    width            integer,
    height           integer,
    sha256           bytea,
    idempotency_key  varchar(64),
    message_seq      bigint,
    created_at       timestamptz  not null default now(),
    constraint attachment_ready check (state = 'uploading' or (content_type is not null and sha256 is not null)),
    constraint attachment_idempotency unique (uploader_kind, uploader_id, idempotency_key)
);
create index attachment_conversation on attachment (conversation_id, message_seq);
create index attachment_unsent on attachment (created_at) where message_seq is null;
create index attachment_content on attachment (uploader_kind, uploader_id, sha256) where message_seq is null;

-- The bytes, in chunks of switchboard.attachments.chunk-size, streamed in and out one chunk at a time.
create table attachment_chunk (
    attachment_id  uuid     not null references attachment (id) on delete cascade,
    n              integer  not null check (n >= 0),
    data           bytea    not null,
    primary key (attachment_id, n)
);
-- Chunks are already compressed files most of the time: do not spend CPU compressing them again.
alter table attachment_chunk alter column data set storage external;

-- A message carries the attachments' metadata as sent (id, name, size, contentType, width, height): read with
-- the message, on every transport and in NOTIFY payloads, without a join. Text may be empty when it has some.
alter table message add column attachments jsonb;
alter table message drop constraint message_text_check;
alter table message add constraint message_text_or_attachments
    check (length(text) > 0 or attachments is not null);

-- The key that signs attachment links (GET /api/attachments/{id}?exp=…&sig=…): made once by the first
-- replica to start, shared by all through the store.
create table signing_key (
    name        varchar(32)  primary key,
    secret      bytea        not null check (length(secret) >= 32),
    created_at  timestamptz  not null default now()
);
