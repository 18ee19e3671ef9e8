-- Rate buckets shared by every replica (Bucket4j's PostgreSQL layout): visitor creation and login attempts
-- per client address. state is Bucket4j's serialised bucket; expires_at (epoch ms) is when the bucket would
-- be full again, after which the row means nothing and RateLimiter.purgeExpired deletes it.
create table rate_bucket (
    id         varchar(160) primary key,
    state      bytea,
    expires_at bigint
);
create index rate_bucket_expires on rate_bucket (expires_at);
