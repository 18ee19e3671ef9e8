-- Session tokens never travel in URLs (#27): a "continue the conversation" link hands the page a one-time,
-- short-lived code, which the widget exchanges for a new token of its own. Only the code's hash is kept; a
-- code is deleted when it is used, and expired ones are swept.
create table visitor_handoff (
    code_hash        varchar(64)  primary key,
    visitor_id       bigint       not null references visitor (id) on delete cascade,
    conversation_id  bigint       not null references conversation (id) on delete cascade,
    expires_at       timestamptz  not null,
    created_at       timestamptz  not null default now()
);
create index visitor_handoff_expires on visitor_handoff (expires_at);
