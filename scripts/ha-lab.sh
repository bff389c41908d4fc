#!/usr/bin/env bash
# The HA store on loopback for tests and trials: 3 etcd members + 3 Patroni/PostgreSQL 15 nodes.
#   scripts/ha-lab.sh start        # prints dir=… and url=postgres://…,…,…/postgres?target_session_attrs=read-write
#   scripts/ha-lab.sh status DIR   # each node's role
#   scripts/ha-lab.sh stop DIR     # stops exactly what start started (by pid) and removes DIR
# Needs root (PostgreSQL runs as the postgres user) and: patroni etcd-server python3-etcd (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f dist/backend/lab/ha-lab-main.js ] && [ dist/backend/lab/ha-lab-main.js -nt backend/lab/patroni-lab.ts ]; then
  exec node dist/backend/lab/ha-lab-main.js "$@"
fi
exec node -r ./test/integration/terraform/ts-register.js backend/lab/ha-lab-main.ts "$@"
