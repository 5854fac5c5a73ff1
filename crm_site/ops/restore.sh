#!/usr/bin/env bash
# Restore a backup made by crm_site/ops/backup.sh into a PostgreSQL database.
#
# Usage: crm_site/ops/restore.sh [--force] DUMP_FILE DATABASE_URL
#
# DATABASE_URL names the target database, which must exist: create an empty
# one with createdb. A database that already has tables is refused unless
# --force is given, in which case every object in the dump replaces its
# namesake there. The restore runs in one transaction, so a failure leaves the
# target as it was. Objects are owned by the user in DATABASE_URL, and the
# dump's owners and grants are not restored, so a backup of one server
# restores on another with other roles.
#
# pg_dump and psql get the URL on their command line, where other users of the
# machine can see it: keep the password out of it, in the ~/.pgpass file of
# the user that runs this script.
set -euo pipefail

usage="Usage: $0 [--force] DUMP_FILE DATABASE_URL"
force=false
if [[ "${1:-}" == "--force" ]]; then
    force=true
    shift
fi
if (($# != 2)) || [[ "$1" == -* ]]; then
    echo "$usage" >&2
    exit 2
fi
dump="$1"
target="$2"

if [[ ! -f "$dump" ]]; then
    echo "Backup file $dump not found." >&2
    exit 2
fi
if [[ "$target" != postgres://* && "$target" != postgresql://* ]]; then
    echo "The target $target must be a postgres:// or postgresql:// URL." >&2
    exit 2
fi

tables=$(psql --dbname="$target" --no-psqlrc --tuples-only --no-align --command \
    "SELECT count(*) FROM pg_catalog.pg_tables
     WHERE schemaname NOT IN ('pg_catalog', 'information_schema')") || {
    echo "Could not connect to the target database. Check the URL, and create" \
        "the database first if it does not exist (createdb NAME)." >&2
    exit 1
}
if ((tables > 0)) && [[ "$force" != true ]]; then
    echo "The target database already has $tables tables, and restoring would" \
        "replace them. Restore into an empty database, or add --force to" \
        "overwrite this one." >&2
    exit 1
fi

pg_restore --dbname="$target" --clean --if-exists --no-owner --no-privileges \
    --single-transaction --exit-on-error "$dump"
echo "Restored $dump."
