#!/usr/bin/env bash
# Back up Legal CRM's PostgreSQL database with pg_dump, in its custom format.
#
# Usage: crm_site/ops/backup.sh [DIRECTORY]
#
# Reads the database from DATABASE_URL, a postgres:// or postgresql:// URL as
# in the application's settings. Writes DIRECTORY/legal_crm-<UTC time>.dump
# (DIRECTORY defaults to the current one), readable by its owner only because
# it contains personal data, and prints the file's path. A failed dump leaves no
# file behind. Restore it with crm_site/ops/restore.sh.
#
# pg_dump and psql get the URL on their command line, where other users of the
# machine can see it: keep the password out of it, in the ~/.pgpass file of
# the user that runs this script.
set -euo pipefail

usage="Usage: $0 [DIRECTORY]"
if (($# > 1)) || [[ "${1:-}" == -* ]]; then
    echo "$usage" >&2
    exit 2
fi
directory="${1:-.}"

if [[ -z "${DATABASE_URL:-}" ]]; then
    echo "DATABASE_URL is missing. Set it to the database to back up, for example" \
        "postgres://legal_crm@127.0.0.1:5432/legal_crm" >&2
    exit 2
fi
if [[ "$DATABASE_URL" != postgres://* && "$DATABASE_URL" != postgresql://* ]]; then
    echo "DATABASE_URL must start with postgres:// or postgresql://, the forms" \
        "that pg_dump reads." >&2
    exit 2
fi
if [[ ! -d "$directory" ]]; then
    echo "Backup directory $directory does not exist. Create it first." >&2
    exit 2
fi

file="$directory/legal_crm-$(date -u +%Y%m%dT%H%M%SZ).dump"
partial="$file.partial"
trap 'rm -f "$partial"' EXIT

umask 077
pg_dump --dbname="$DATABASE_URL" --format=custom --file="$partial"
mv "$partial" "$file"
echo "$file"
