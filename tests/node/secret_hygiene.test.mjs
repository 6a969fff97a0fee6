// Secret hygiene: run every flow with known secret values, then look for them where they must never
// be: server logs, API responses (except the one response that creates each secret), webhook
// payloads, and the database files (main file, -wal, -shm) in plaintext.
//
// Secrets: the project API key (shown once by `project create`), session tokens (shown once by
// POST /connect_sessions), credential values typed into the hub or PATCHed through the API, and the
// webhook signing secret (shown once by `webhook add`).

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import {
  startServer, createProject, enable, cli, http, expectJson, basic,
} from "./lib/harness.mjs";
import { hubHeaders, rand } from "./lib/hub.mjs";
import { startReceiver } from "./lib/receiver.mjs";
import { assertCleanExit, stopGracefully } from "./lib/clean_exit.mjs";


describe("secrets never leak into logs, responses or the database", () => {
  let server;
  let receiver;
  let project;
  let webhook;
  let integrationId;
  /** Every response we got: {label, text, headers, allowed: [secret names that may appear]}. */
  const responses = [];
  /** name → value; `where` says which responses may show it. */
  const secrets = new Map();
  /** Non-secret credential values: never in logs or the database, only in GET /hub/accounts/{id}. */
  const setupValues = new Map();

  const record = (label, res, allowed = []) => {
    responses.push({ label, text: res.text, headers: JSON.stringify(res.headers), allowed });
    return res;
  };
  const call = async (label, method, p, opts = {}, allowed = []) => record(label, await http(server, method, p, opts), allowed);
  const hub = (label, token, method, p, body, allowed) => call(label, method, p, { headers: hubHeaders(token), body }, allowed);
  const secretCreds = () => {
    const v = { company: `co-${rand(8)}`, api_key: `Sk_${rand(16)}` };
    return v;
  };
  const remember = (name, creds) => {
    secrets.set(`${name}.api_key`, creds.api_key);
    setupValues.set(`${name}.company`, creds.company);
  };

  before(async () => {
    receiver = await startReceiver();
    server = await startServer({ env: { CONNECTHUB_WEBHOOK_ALLOW_PRIVATE: "1" } });
    project = await createProject(server, "hygiene");
    secrets.set("api_key", project.api_key);
    integrationId = (await enable(server, project.project_id, "demohris")).integration_id;
    const r = await cli(["webhook", "add", "--project", project.project_id, "--url", `${receiver.url}/x`, "--json"],
      { database: `sqlite:${server.dbPath}`, env: { CONNECTHUB_WEBHOOK_ALLOW_PRIVATE: "1" } });
    assert.equal(r.code, 0, `webhook add: ${r.stderr}`);
    webhook = r.json;
    assert.match(String(webhook?.secret), /\S{16,}/, `webhook add --json must print a secret: ${r.stdout}`);
    secrets.set("webhook_secret", webhook.secret);
    receiver.state.secrets.push(webhook.secret);
    // Only the creating outputs may show these two; stderr never.
    assert.ok(!r.stderr.includes(webhook.secret), "webhook add printed its secret on stderr");
  });

  let stopped = null;
  after(async () => {
    if (receiver) await receiver.close();
    if (server && !stopped) await server.stop();
  });

  it("runs every flow with known secrets", { timeout: 60_000 }, async () => {
    const key = project.api_key;
    // A new account through the hub.
    const s1 = expectJson(await call("POST /connect_sessions (create)", "POST", "/connect_sessions",
      { auth: key, body: { origin_owner_id: "hyg-1", origin_owner_name: "Hygiene One", provider: "demohris", label: "L1" } },
      ["token1"]), 201);
    secrets.set("token1", s1.token);
    await call("POST /connect_sessions/authenticate", "POST", "/connect_sessions/authenticate", { auth: key, body: { token: s1.token } });
    await hub("GET /hub/settings", s1.token, "GET", "/hub/settings");
    await hub("GET /hub/connectors", s1.token, "GET", "/hub/connectors");
    await hub("GET /hub/connectors?provider=", s1.token, "GET", "/hub/connectors?provider=demohris");
    await hub("GET /hub/connectors/{id}", s1.token, "GET", `/hub/connectors/${integrationId}`);
    // A rejected submission whose value must not be echoed back or logged.
    const badCreds = { company: "acme", api_key: `bad secret ${rand(8)}!` };
    secrets.set("rejected.api_key", badCreds.api_key);
    const bad = await hub("POST /hub/accounts (rejected)", s1.token, "POST", "/hub/accounts", { integration_id: integrationId, credentials: badCreds });
    assert.equal(bad.status, 400, `rejected credentials: ${bad.text}`);
    const c1 = secretCreds();
    remember("creds1", c1);
    const done = expectJson(await hub("POST /hub/accounts", s1.token, "POST", "/hub/accounts", { integration_id: integrationId, credentials: c1 }), 201);
    const accountId = done.id;
    // The spent token is refused everywhere (and is not echoed).
    await hub("GET /hub/settings (spent)", s1.token, "GET", "/hub/settings");
    await call("authenticate (spent)", "POST", "/connect_sessions/authenticate", { auth: key, body: { token: s1.token } });
    // A token in a query string (a client mistake) must not reach the logs either.
    await call("GET /hub/settings?token=", "GET", `/hub/settings?token=${encodeURIComponent(s1.token)}&api_key=${encodeURIComponent(key)}`);

    // Edit the account through the hub: secrets show as placeholders; a new secret replaces the old.
    const s2 = expectJson(await call("POST /connect_sessions (edit)", "POST", "/connect_sessions",
      { auth: key, body: { origin_owner_id: "hyg-1", origin_owner_name: "Hygiene One", account_id: accountId } }, ["token2"]), 201);
    secrets.set("token2", s2.token);
    const settings = expectJson(await hub("GET /hub/settings (edit)", s2.token, "GET", "/hub/settings"), 200);
    assert.equal(settings.existing_account_id, accountId);
    const shown = expectJson(await hub("GET /hub/accounts/{id}", s2.token, "GET", `/hub/accounts/${accountId}`, undefined, ["creds1.company"]), 200);
    assert.equal(shown.setupInformation?.company, c1.company, "setupInformation shows the non-secret field");
    const c2 = secretCreds();
    remember("creds2", c2);
    expectJson(await hub("PATCH /hub/accounts/{id}", s2.token, "PATCH", `/hub/accounts/${accountId}`, { integration_id: integrationId, credentials: c2 }), 200);

    // The accounts API.
    await call("GET /accounts", "GET", "/accounts", { auth: key });
    await call("GET /accounts?filters", "GET", `/accounts?origin_owner_id=hyg-1&provider=demohris`, { auth: key });
    await call("GET /accounts/{id}", "GET", `/accounts/${accountId}`, { auth: key });
    await call("GET /accounts/{id}/meta", "GET", `/accounts/${accountId}/meta`, { auth: key });
    await call("GET /connectors/meta", "GET", "/connectors/meta", { auth: key });
    const c3 = { api_key: `Pk_${rand(16)}` };
    secrets.set("creds3.api_key", c3.api_key);
    expectJson(await call("PATCH /accounts/{id} (credentials)", "PATCH", `/accounts/${accountId}`,
      { auth: key, body: { label: "patched", credentials: c3, secrets: {}, setup_information: {} } }), 200);
    const badPatch = { api_key: `bad patch ${rand(8)}` };
    secrets.set("badpatch.api_key", badPatch.api_key);
    const bp = await call("PATCH /accounts/{id} (rejected)", "PATCH", `/accounts/${accountId}`, { auth: key, body: { secrets: badPatch } });
    assert.equal(bp.status, 400, `rejected patch: ${bp.text}`);
    // A wrong API key that looks like the real one is not logged either.
    secrets.set("wrong_key", `${key}x`);
    await call("GET /accounts (wrong key)", "GET", "/accounts", { headers: { authorization: basic(`${key}x`) } });

    // A second account, then delete it.
    const s3 = expectJson(await call("POST /connect_sessions (3)", "POST", "/connect_sessions",
      { auth: key, body: { origin_owner_id: "hyg-2", origin_owner_name: "Hygiene Two", provider: "demohris" } }, ["token3"]), 201);
    secrets.set("token3", s3.token);
    const c4 = secretCreds();
    remember("creds4", c4);
    const d2 = expectJson(await hub("POST /hub/accounts (2)", s3.token, "POST", "/hub/accounts", { integration_id: integrationId, credentials: c4 }), 201);
    expectJson(await call("DELETE /accounts/{id}", "DELETE", `/accounts/${d2.id}`, { auth: key }), 200);
    await call("GET /accounts/{id} (deleted)", "GET", `/accounts/${d2.id}`, { auth: key });

    // A session that is never used.
    const s4 = expectJson(await call("POST /connect_sessions (unused)", "POST", "/connect_sessions",
      { auth: key, body: { origin_owner_id: "hyg-3", origin_owner_name: "Hygiene Three", categories: ["hris"] } }, ["token4"]), 201);
    secrets.set("token4", s4.token);

    // Webhook deliveries for created/updated/deleted have gone out (signed with the secret).
    await receiver.waitFor((st) => st.events.some((e) => e.payload?.type === "account.deleted"), { timeoutMs: 20_000, what: "account.deleted delivery" });
  });

  it("no secret appears in any API response except the one that creates it", () => {
    const leaks = [];
    for (const r of responses) {
      for (const [name, value] of [...secrets, ...setupValues]) {
        if (r.allowed.includes(name)) continue;
        if (r.text.includes(value) || r.headers.includes(value)) leaks.push(`${name} in ${r.label}`);
      }
    }
    assert.deepEqual(leaks, []);
    // The creating response shows the token, in the body and in auth_link_url's fragment only.
    const created = responses.find((r) => r.label === "POST /connect_sessions (create)");
    assert.ok(created.text.includes(secrets.get("token1")));
    assert.ok(!created.headers.includes(secrets.get("token1")), "token in a response header");
  });

  it("no secret or credential value appears in the server logs", () => {
    const logs = server.logs();
    assert.match(logs, /status=201/, "request log lines missing: nothing to search");
    const leaks = [...secrets, ...setupValues].filter(([, v]) => logs.includes(v)).map(([k]) => k);
    assert.deepEqual(leaks, [], `found in logs: ${leaks.join(", ")}`);
  });

  it("webhook payloads carry no credentials, tokens or keys", () => {
    assert.ok(receiver.state.events.length >= 3, `deliveries: ${receiver.state.events.length}`);
    const all = JSON.stringify(receiver.state.events.map((e) => e.payload));
    const leaks = [...secrets, ...setupValues].filter(([, v]) => all.includes(v)).map(([k]) => k);
    assert.deepEqual(leaks, []);
  });

  it("the database files hold no API key, token, credential value or webhook secret in plaintext", async () => {
    const dir = path.dirname(server.dbPath);
    const base = path.basename(server.dbPath);
    const files = (await readdir(dir)).filter((f) => f.startsWith(base));
    assert.ok(files.includes(base), `database file missing: ${files}`);
    const leaks = [];
    const needles = [...secrets, ...setupValues];
    // The webhook secret's key material without its whsec_ prefix counts too.
    const ws = secrets.get("webhook_secret");
    if (ws.startsWith("whsec_")) needles.push(["webhook_secret (base64 part)", ws.slice(6)]);
    for (const f of files) {
      const bytes = await readFile(path.join(dir, f));
      for (const [name, value] of needles) {
        if (bytes.includes(Buffer.from(value, "utf8"))) leaks.push(`${name} in ${f}`);
        // UTF-16 text encodings would hide a plain search.
        if (bytes.includes(Buffer.from(value, "utf16le"))) leaks.push(`${name} (UTF-16) in ${f}`);
      }
    }
    // Positive control: plain data (an owner id) is findable this way, so a miss above means something.
    const all = Buffer.concat(await Promise.all(files.map((f) => readFile(path.join(dir, f)))));
    assert.ok(all.includes(Buffer.from("Hygiene One")), "control value not found: the search would miss plaintext");
    console.log(`# searched ${files.join(", ")} for ${needles.length} values`);
    assert.deepEqual(leaks, []);
  });

  it("the server exits cleanly (exit 0, no sanitizer report), and its shutdown logs leak nothing", { timeout: 90_000 }, async () => {
    stopped = await stopGracefully(server);
    const leaks = [...secrets, ...setupValues].filter(([, v]) => server.logs().includes(v)).map(([k]) => k);
    assert.deepEqual(leaks, [], `found in logs: ${leaks.join(", ")}`);
    await assertCleanExit(stopped, server.logs(), server.child.pid);
  });
});
