-- A signed identity token is one device (#27): signing in again with the same token (its jti, or the whole token
-- when it has none) replaces that device's session token instead of adding one, so replaying one token cannot
-- push a user's other devices out of their max-devices budget. Null for tokens not made by a signed sign-in.
alter table visitor_token add column identity_binding varchar(64);
create unique index visitor_token_identity_binding on visitor_token (identity_binding) where identity_binding is not null;
