-- Signed visitor identities (#16): a site's user id (the identity's `sub`) names one visitor, each device
-- holds its own token, and an anonymous visitor who signs in is merged into the identified one.
alter table visitor add column external_id varchar(128);
alter table visitor add constraint visitor_external_id unique (external_id);
alter table visitor add column verified_at timestamptz;
-- A visitor merged into another keeps its row (the names of old messages that stayed with it resolve), and
-- says where it went.
alter table visitor add column merged_into bigint references visitor (id);

create table visitor_token (
    token_hash  varchar(64)  primary key,            -- sha-256 of the token, never the token
    visitor_id  bigint       not null references visitor (id) on delete cascade,
    created_at  timestamptz  not null default now()
);
create index visitor_token_visitor on visitor_token (visitor_id, created_at);

insert into visitor_token (token_hash, visitor_id, created_at) select token_hash, id, created_at from visitor;
-- Tokens live in visitor_token from now on; the column stays (nullable, no longer written) so replicas of
-- the previous version keep resolving the tokens they know during a rolling update.
alter table visitor alter column token_hash drop not null;
