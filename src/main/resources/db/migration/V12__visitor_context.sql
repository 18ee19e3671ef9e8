-- What agents see beside a conversation: where the visitor is and with what (reported by the widget, bounded).
alter table visitor add column page_url      varchar(2048);
alter table visitor add column page_title    varchar(300);
alter table visitor add column page_at       timestamptz;
alter table visitor add column referrer      varchar(2048);
alter table visitor add column user_agent    varchar(512);
alter table visitor add column language      varchar(35);
alter table visitor add column time_zone     varchar(64);
