-- Switchboard's database and its two roles, least privilege. Run once, as a superuser (the in-cluster
-- PostgreSQL does so on its first start, from 10-roles.sh) or as a managed service's admin role:
--
--   psql -v ON_ERROR_STOP=1 -v owner_password='…' -v app_password='…' -d postgres -f roles.sql
--
-- switchboard_owner owns the database and its schema: Flyway migrates as this role (QUARKUS_FLYWAY_*).
-- switchboard_app is what the app connects as (QUARKUS_DATASOURCE_*): it reads and writes the rows of the
-- tables the owner creates, and cannot create, alter, drop or truncate anything.
CREATE ROLE switchboard_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE switchboard_app LOGIN PASSWORD :'app_password';
CREATE DATABASE switchboard OWNER switchboard_owner;
\connect switchboard
REVOKE ALL ON DATABASE switchboard FROM PUBLIC;
GRANT CONNECT ON DATABASE switchboard TO switchboard_app;
ALTER SCHEMA public OWNER TO switchboard_owner;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO switchboard_app;
-- Every table and sequence the migrations create from now on, and any already there (a database that was
-- migrated before the roles existed).
ALTER DEFAULT PRIVILEGES FOR ROLE switchboard_owner IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO switchboard_app;
ALTER DEFAULT PRIVILEGES FOR ROLE switchboard_owner IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO switchboard_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO switchboard_app;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO switchboard_app;
