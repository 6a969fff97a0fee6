#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running server: installs what is missing, builds,
# creates a demo project on the embedded SQLite database (./data), enables demo integrations, prints
# the API key and URLs, and serves on 127.0.0.1:8080 (override with CONNECTHUB_LISTEN).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh build-release Release

bin=build-release/connecthub
export CONNECTHUB_DATABASE_URL=${CONNECTHUB_DATABASE_URL:-sqlite:./data/connecthub.db}
listen=${CONNECTHUB_LISTEN:-127.0.0.1:8080}
public=${CONNECTHUB_PUBLIC_URL:-http://$listen}
providers=(demohris bamboohr hibob personio workday greenhouse lever ashby workable hubspot salesforce pipedrive okta jira zendesk)

json_get() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

project=$($bin project list --json | json_get "next((p['project_id'] for p in d if p['name']=='Demo'), '')")
if [ -z "$project" ]; then
  created=$($bin project create --name Demo --json)
  project=$(echo "$created" | json_get "d['project_id']")
  api_key=$(echo "$created" | json_get "d['api_key']")
  keep=$(echo "$created" | json_get "d['api_key_id']")
else
  # API keys are shown once and stored as hashes: issue a fresh one for this run, revoke the old ones.
  created=$($bin api-key create --project "$project" --json)
  api_key=$(echo "$created" | json_get "d['api_key']")
  keep=$(echo "$created" | json_get "d['id']")
  for id in $($bin api-key list --project "$project" --json | json_get "' '.join(k['id'] for k in d if not k['revoked_at'])"); do
    [ "$id" = "$keep" ] || $bin api-key revoke --project "$project" --id "$id" --json >/dev/null
  done
fi
for p in "${providers[@]}"; do $bin integration enable --project "$project" --provider "$p" --json >/dev/null; done

cat <<MSG

connecthub demo
  project:    $project
  API key:    $api_key   (shown once; a new one is issued on every run)
  providers:  ${providers[*]}
  API:        $public   (HTTP Basic auth: the API key as username, empty password)
  health:     $public/healthz

Create a connect session:
  curl -s -u '$api_key:' -H 'Content-Type: application/json' \\
    -d '{"origin_owner_id":"customer-123","origin_owner_name":"Acme Inc","provider":"demohris"}' \\
    $public/connect_sessions
Then open the auth_link_url it returns in a browser.

MSG
exec $bin serve --listen "$listen" --public-url "$public"
