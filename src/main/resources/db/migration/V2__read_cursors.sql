-- Read receipts: how far each participant has read each conversation (a cursor, never per-message rows).
create table read_cursor (
    conversation_id  bigint      not null references conversation (id),
    reader_kind      varchar(8)  not null check (reader_kind in ('visitor', 'agent')),
    reader_id        bigint      not null,
    last_read_seq    bigint      not null check (last_read_seq >= 0),
    updated_at       timestamptz not null default now(),
    primary key (conversation_id, reader_kind, reader_id)
);
