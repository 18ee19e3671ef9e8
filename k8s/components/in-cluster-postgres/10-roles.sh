#!/bin/sh
# docker-entrypoint-initdb.d: runs once, on the first start with an empty data directory, as the superuser.
# Creates the switchboard database and its roles (roles.sql) with the passwords from the Secret.
set -eu
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$SWITCHBOARD_OWNER_PASSWORD" -v app_password="$SWITCHBOARD_APP_PASSWORD" \
  -f /etc/switchboard-db/roles.sql
