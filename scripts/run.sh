#!/usr/bin/env bash
# The quickstart: one command from a fresh Debian 12 machine to a working demo. Installs what is
# missing, builds everything, creates a demo project on the embedded SQLite database (./data),
# enables the demo integrations, starts connecthub (127.0.0.1:8080, override with CONNECTHUB_LISTEN)
# and the example backend (examples/backend, 127.0.0.1:3000, override with EXAMPLE_BACKEND_LISTEN),
# and prints the one URL to open. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh build-release Release

bin=build-release/connecthub
backend=build-release/examples/backend/example_backend
export CONNECTHUB_DATABASE_URL=${CONNECTHUB_DATABASE_URL:-sqlite:./data/connecthub.db}
listen=${CONNECTHUB_LISTEN:-127.0.0.1:8080}
public=${CONNECTHUB_PUBLIC_URL:-http://$listen}
backend_listen=${EXAMPLE_BACKEND_LISTEN:-127.0.0.1:3000}
# How the backend reaches connecthub (server to server); a wildcard listen address means "this host".
api_url=${CONNECTHUB_URL:-http://${listen/0.0.0.0/127.0.0.1}}
providers=(demohris bamboohr hibob personio workday greenhouse lever ashby workable hubspot salesforce pipedrive okta jira zendesk)

# JSON from the admin CLI, read with Node (installed by setup.sh; python3 may not be on a fresh machine).
json_get() { node -e 'let s="";process.stdin.on("data",c=>s+=c).on("end",()=>{const d=JSON.parse(s);console.log(eval(process.argv[1]))})' "$1"; }

project=$($bin project list --json | json_get "(d.find(p => p.name === 'Demo') || {}).project_id || ''")
if [ -z "$project" ]; then
  created=$($bin project create --name Demo --json)
  project=$(echo "$created" | json_get "d.project_id")
  api_key=$(echo "$created" | json_get "d.api_key")
else
  # API keys are shown once and stored as hashes: issue a fresh one for this run, revoke the old ones.
  created=$($bin api-key create --project "$project" --json)
  api_key=$(echo "$created" | json_get "d.api_key")
  keep=$(echo "$created" | json_get "d.id")
  for id in $($bin api-key list --project "$project" --json | json_get "d.filter(k => !k.revoked_at).map(k => k.id).join(' ')"); do
    [ "$id" = "$keep" ] || $bin api-key revoke --project "$project" --id "$id" --json >/dev/null
  done
fi
for p in "${providers[@]}"; do $bin integration enable --project "$project" --provider "$p" --json >/dev/null; done

# Both processes run in the background; when either stops (or on Ctrl-C), stop the other too.
pids=()
stop_all() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_all EXIT
trap 'exit 130' INT TERM

wait_ready() {  # URL PID NAME: poll until the URL answers 200, or fail if the process died
  for _ in $(seq 1 150); do
    if ! kill -0 "$2" 2>/dev/null; then echo "run.sh: $3 exited during start-up" >&2; exit 1; fi
    if node -e 'fetch(process.argv[1]).then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))' "$1"; then return 0; fi
    sleep 0.2
  done
  echo "run.sh: $3 did not become ready at $1" >&2
  exit 1
}

$bin serve --listen "$listen" --public-url "$public" &
pids+=($!)
wait_ready "$api_url/readyz" "${pids[0]}" connecthub

# The API key reaches the backend only through its environment.
CONNECTHUB_API_KEY="$api_key" CONNECTHUB_URL="$api_url" CONNECTHUB_PUBLIC_URL="$public" \
  EXAMPLE_BACKEND_LISTEN="$backend_listen" $backend &
pids+=($!)
wait_ready "http://${backend_listen/0.0.0.0/127.0.0.1}/healthz" "${pids[1]}" "the example backend"

cat <<MSG

connecthub demo
  connecthub:  $public   (API: HTTP Basic auth, the API key as username, empty password)
  project:     $project
  API key:     $api_key   (shown once; a new one is issued on every run)
  providers:   ${providers[*]}

Or create a connect session yourself:
  curl -s -u '$api_key:' -H 'Content-Type: application/json' \\
    -d '{"origin_owner_id":"customer-123","origin_owner_name":"Acme Inc","provider":"demohris"}' \\
    $api_url/connect_sessions

Open this, sign in as a demo user, press Connect, choose "Demo HR" and enter any company and key:

    http://$backend_listen/

Ctrl-C stops both.
MSG

# Exit as soon as either process does (the trap stops the other).
wait -n "${pids[@]}"
