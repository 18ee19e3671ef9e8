-- Private notes and system events share the conversation's one timeline (one seq per conversation).
--   internal     an agents-only note: never read by, sent to or counted for a visitor
--   event        a system message's kind (joined, left, resolved, reopened, requeued); its author_id is the
--                agent it is about (null when nobody is: a visitor reopening)
--   prev_public  the seq of the message before this one that visitors can see (0 if none): a visitor's
--                client knows a jump over notes is not a gap
alter table message add column internal boolean not null default false;
alter table message add column event varchar(16)
    check (event in ('joined', 'left', 'resolved', 'reopened', 'requeued'));
alter table message add constraint message_event_is_system check ((event is null) = (author_kind <> 'system'));
alter table message add column prev_public bigint;
update message set prev_public = seq - 1;  -- every message so far is public and seqs are contiguous
alter table message alter column prev_public set not null;
alter table message add constraint message_prev_public check (prev_public >= 0 and prev_public < seq);

-- The seq of the newest message visitors can see: the next public message's prev_public.
alter table conversation add column last_public_seq bigint not null default 0;
update conversation set last_public_seq = last_seq;
