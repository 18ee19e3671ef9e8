-- Agent presence, derived from live connections: one row per agent and instance holding connections,
-- refreshed by a heartbeat, so a crashed instance's rows simply expire. Availability is the agent's choice.
alter table agent add column availability varchar(8) not null default 'online'
    check (availability in ('online', 'away'));
create table agent_presence (
    agent_id     bigint      not null references agent (id) on delete cascade,
    instance_id  varchar(40) not null,
    connections  int         not null check (connections > 0),
    seen_at      timestamptz not null default now(),
    primary key (agent_id, instance_id)
);
