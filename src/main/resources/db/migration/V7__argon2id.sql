-- Agent passwords move from bcrypt to Argon2id (PHC strings, ~97 characters with today's parameters, more
-- with larger ones). Existing bcrypt hashes stay until their owner's next login stores them again.
alter table agent alter column password_hash type varchar(255);
comment on column agent.password_hash is 'Argon2id PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$hash), or bcrypt ($2...) until the next login';
