-- Bytes whose attachment row is gone, however it went (a cancel, a sweep, a deleted conversation's cascade):
-- the attachment sweep deletes them from the blob store (an object store has no foreign keys), then the row.
create table attachment_gone (
    attachment_id  uuid         primary key,
    gone_at        timestamptz  not null default now()
);

create function attachment_gone() returns trigger language plpgsql as $$
begin
    insert into attachment_gone (attachment_id) values (old.id) on conflict do nothing;
    return old;
end $$;

create trigger attachment_gone after delete on attachment for each row execute function attachment_gone();
