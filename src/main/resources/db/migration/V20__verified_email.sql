-- Transcripts go only to a verified address (#27): the site's signed identity vouches for its e-mail, any other
-- address is confirmed by a link sent to it first; a transcript asked for meanwhile is held until then.
alter table visitor add column email_verified_at timestamptz;
update visitor set email_verified_at = verified_at where email is not null and external_id is not null;

create table email_confirmation (
    token_hash   varchar(64)  primary key,                  -- sha-256 of the link's token, never the token
    visitor_id   bigint       not null references visitor (id) on delete cascade,
    email        varchar(254) not null,                     -- the address it confirms: a changed one is not
    expires_at   timestamptz  not null
);
create index email_confirmation_visitor on email_confirmation (visitor_id);
create index email_confirmation_expires on email_confirmation (expires_at);

alter table email_outbox drop constraint email_outbox_kind_check;
alter table email_outbox add constraint email_outbox_kind_check check (kind in ('replies', 'transcript', 'team_alert', 'confirm'));
alter table email_outbox drop constraint email_outbox_state_check;
alter table email_outbox add constraint email_outbox_state_check
    check (state in ('pending', 'held', 'sent', 'skipped', 'failed', 'bounced'));
-- Who asked (the client's address), for the per-source budget of transcripts and confirmations.
alter table email_outbox add column source varchar(64);
create index email_outbox_budget on email_outbox (kind, created_at) where kind in ('transcript', 'confirm');
