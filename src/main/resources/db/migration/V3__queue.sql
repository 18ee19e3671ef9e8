-- The waiting queue: when a conversation (re)started waiting, so visitors can be told their position.
alter table conversation add column waiting_since timestamptz not null default now();
create index conversation_queue on conversation (waiting_since, id) where status = 'waiting';
