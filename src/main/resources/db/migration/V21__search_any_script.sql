-- Search in Chinese, Japanese, Arabic, Hebrew…: the 'simple' tsvector splits at spaces and punctuation, so a
-- word inside a run of Han characters, or behind an Arabic prefix, is never a token of its own. Such queries
-- match by substring (ILIKE), which trigram indexes serve. pg_trgm is a trusted extension since PostgreSQL 13:
-- the database's owner (the migrations' role) may create it; managed services ship it.
--
-- Building the message index blocks writes to that table while it runs (seconds per million messages). Not
-- CONCURRENTLY: that waits for every open transaction, Flyway's own lock among them, and never ends. An
-- operator with a large table creates the same index CONCURRENTLY before upgrading (docs/deploy.md); this
-- migration then finds it and does nothing.
create extension if not exists pg_trgm;
create index if not exists message_text_trigrams on message using gin (text gin_trgm_ops);
create index if not exists visitor_name_trigrams on visitor using gin ((display_name || ' ' || coalesce(email, '')) gin_trgm_ops);
