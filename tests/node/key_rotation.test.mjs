// `connecthub keys rotate`: re-encrypts every credential (and webhook secret) under a new key while
// the server serves; afterwards the old key is no longer needed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { startServer, createProject, enable, cli, http, sleep } from "./lib/harness.mjs";

const KEY_A = "a".repeat(64);
const KEY_B = "b".repeat(64);
let first, project, db, port, bin, dataDir;
const accounts = [];

async function serveWith(env) {
  const child = spawn(bin, ["serve", "--listen", `127.0.0.1:${port}`, "--database", db, "--public-url", `http://127.0.0.1:${port}`],
    { env: { ...process.env, CONNECTHUB_RATE_LIMITS: "off", CONNECTHUB_PREVIOUS_ENCRYPTION_KEYS: "", ...env }, stdio: "ignore" });
  const server = { url: `http://127.0.0.1:${port}`, port };
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${server.url}/readyz`)).status === 200) break;
    } catch {}
    await sleep(50);
  }
  server.stop = async () => {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  };
  return server;
}

async function session(server, body) {
  const r = await http(server, "POST", "/connect_sessions", { auth: project.api_key, body: { origin_owner_name: "Acme", ...body } });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return r.json.token;
}

async function link(server, owner) {
  const token = await session(server, { origin_owner_id: owner, provider: "demohris" });
  const hdr = { "x-hub-session-token": token };
  const c = await http(server, "GET", "/hub/connectors", { headers: hdr });
  const r = await http(server, "POST", "/hub/accounts", {
    headers: hdr, body: { integration_id: c.json.integrations[0].integration_id, credentials: { company: `co-${owner}`, api_key: `key-${owner}-xyz` } },
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return r.json.id;
}

// Reads the stored credentials back through the hub's edit view (which decrypts them).
async function readCompany(server, id, owner) {
  const token = await session(server, { origin_owner_id: owner, account_id: id });
  return http(server, "GET", `/hub/accounts/${id}`, { headers: { "x-hub-session-token": token } });
}

before(async () => {
  first = await startServer({ env: { CONNECTHUB_ENCRYPTION_KEY: KEY_A } });
  ({ port, bin, dataDir } = first);
  db = `sqlite:${first.dbPath}`;
  project = await createProject(first, "Rotation");
  await enable(first, project.project_id, "demohris");
  for (let i = 0; i < 30; i++) accounts.push({ owner: `rot-${i}`, id: await link(first, `rot-${i}`) });
  const hook = await cli(["webhook", "add", "--project", project.project_id, "--url", "https://hooks.example.com/x", "--json"],
    { database: db, env: { CONNECTHUB_ENCRYPTION_KEY: KEY_A } });
  assert.equal(hook.code, 0, hook.stderr);
  // Stop without deleting the data folder: the rest of the test reuses the database.
  first.child.kill("SIGTERM");
  await new Promise((r) => first.child.once("exit", r));
});

after(async () => {
  const { rm } = await import("node:fs/promises");
  await rm(dataDir, { recursive: true, force: true });
});

test("rotation re-encrypts everything online; afterwards only the new key is needed", async () => {
  const both = { CONNECTHUB_ENCRYPTION_KEY: KEY_B, CONNECTHUB_PREVIOUS_ENCRYPTION_KEYS: KEY_A };
  const server = await serveWith(both);
  // Old ciphertext is readable with the new key current and the old one previous.
  assert.equal((await readCompany(server, accounts[0].id, accounts[0].owner)).json.setupInformation.company, "co-rot-0");

  // Serve reads and new links while the rotation runs.
  let stop = false;
  const load = (async () => {
    let n = 0;
    while (!stop) {
      const a = accounts[n++ % accounts.length];
      const r = await readCompany(server, a.id, a.owner);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(r.json.setupInformation.company, `co-${a.owner}`);
    }
    return n;
  })();
  const extra = await link(server, "rot-during");
  const rotated = await cli(["keys", "rotate", "--json"], { database: db, env: both });
  stop = true;
  const reads = await load;
  assert.equal(rotated.code, 0, rotated.stderr);
  assert.ok(reads > 0);
  assert.equal(rotated.json.accounts_reencrypted + rotated.json.accounts_changed_meanwhile, 30, JSON.stringify(rotated.json));
  assert.ok(rotated.json.accounts_already_current >= 1, "the account linked with the new key was already current");
  assert.equal(rotated.json.webhook_secrets_reencrypted, 1);
  await server.stop();

  // Only the new key: every credential still decrypts.
  const onlyB = await serveWith({ CONNECTHUB_ENCRYPTION_KEY: KEY_B });
  for (const a of [...accounts, { id: extra, owner: "rot-during" }]) {
    const r = await readCompany(onlyB, a.id, a.owner);
    assert.equal(r.status, 200, `${a.id}: ${JSON.stringify(r.json)}`);
    assert.equal(r.json.setupInformation.company, `co-${a.owner}`);
  }
  await onlyB.stop();

  // And the old key alone can no longer read them: the ciphertext really changed.
  const onlyA = await serveWith({ CONNECTHUB_ENCRYPTION_KEY: KEY_A });
  const r = await readCompany(onlyA, accounts[0].id, accounts[0].owner);
  assert.notEqual(r.status, 200);
  assert.ok(r.status < 500 || r.status === 503, `status ${r.status}`);
  await onlyA.stop();
});
