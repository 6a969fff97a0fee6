// Webhooks for account events: signed per Standard Webhooks, delivered at least once, in order per
// account, retried with the same webhook-id, durable across restarts.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { startServer, createProject, enable, cli, http, sleep, TEST_ENCRYPTION_KEY } from "./lib/harness.mjs";
import { startReceiver } from "./lib/receiver.mjs";

const ENV = {
  CONNECTHUB_WEBHOOK_ALLOW_PRIVATE: "1",
  CONNECTHUB_WEBHOOK_RETRY_SCHEDULE: "300,300,300,300,300",
};
let server, project, receiver;

async function webhookCli(args, env = ENV) {
  return cli(["webhook", ...args, "--json"], { database: `sqlite:${server.dbPath}`, env });
}

async function addEndpoint(path, events) {
  const args = ["add", "--project", project.project_id, "--url", `${receiver.url}${path}`];
  if (events) args.push("--events", events);
  const r = await webhookCli(args);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.json.secret, /^whsec_[A-Za-z0-9+/=]+$/);
  assert.deepEqual(Object.keys(r.json).filter((k) => ["id", "url", "events", "secret"].includes(k)).sort(),
    ["events", "id", "secret", "url"]);
  receiver.state.secrets.push(r.json.secret);
  return r.json;
}

async function linkAccount(owner) {
  const s = await http(server, "POST", "/connect_sessions", {
    auth: project.api_key,
    body: { origin_owner_id: owner, origin_owner_name: "Acme", provider: "demohris" },
  });
  assert.equal(s.status, 201);
  const token = s.json.token;
  const conns = await http(server, "GET", "/hub/connectors", { headers: { "x-hub-session-token": token } });
  const integration_id = conns.json.integrations[0].integration_id;
  const res = await http(server, "POST", "/hub/accounts", {
    headers: { "x-hub-session-token": token },
    body: { integration_id, credentials: { company: "acme", api_key: "secret-value-123" } },
  });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  return res.json.id;
}

before(async () => {
  receiver = await startReceiver();
  server = await startServer({ env: ENV });
  project = await createProject(server, "Webhooks");
  await enable(server, project.project_id, "demohris");
});

after(async () => {
  await server?.stop();
  await receiver?.close();
});

test("private receiver URLs are refused unless allowed", async () => {
  const r = await cli(["webhook", "add", "--project", project.project_id, "--url", "http://127.0.0.1:9/x", "--json"],
    { database: `sqlite:${server.dbPath}`, env: { CONNECTHUB_WEBHOOK_ALLOW_PRIVATE: "" } });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /private|loopback/);
  const bad = await webhookCli(["add", "--project", project.project_id, "--url", "ftp://example.com/x"]);
  assert.notEqual(bad.code, 0);
  const badEvent = await webhookCli(["add", "--project", project.project_id, "--url", `${receiver.url}/x`, "--events", "account.exploded"]);
  assert.notEqual(badEvent.code, 0);
});

test("create, update and delete each arrive once, verified, in order", async () => {
  const ep = await addEndpoint("/main");
  const id = await linkAccount("wh-owner-1");
  const patched = await http(server, "PATCH", `/accounts/${id}`, { auth: project.api_key, body: { label: "renamed" } });
  assert.equal(patched.status, 200);
  const deleted = await http(server, "DELETE", `/accounts/${id}`, { auth: project.api_key });
  assert.equal(deleted.status, 200);
  await receiver.waitFor((s) => s.events.filter((e) => e.path === "/main").length >= 3);
  await sleep(800); // nothing more should come
  const mine = receiver.state.events.filter((e) => e.path === "/main");
  assert.deepEqual(mine.map((e) => e.payload.type), ["account.created", "account.updated", "account.deleted"]);
  for (const e of mine) {
    assert.equal(e.payload.data.id, id);
    assert.match(e.payload.timestamp, /Z$/);
    assert.equal(e.payload.data.credentials, undefined);
    assert.ok(!JSON.stringify(e.payload).includes("secret-value-123"));
  }
  assert.equal(mine[1].payload.data.label, "renamed");
  assert.equal(new Set(mine.map((e) => e.id)).size, 3, "each event has its own webhook-id");
  const log = await webhookCli(["deliveries", "--project", project.project_id, "--id", ep.id]);
  assert.equal(log.code, 0, log.stderr);
  assert.equal(log.json.length, 3);
  for (const d of log.json) {
    assert.equal(d.status, "delivered");
    assert.equal(d.attempts, 1);
    assert.equal(d.last_status, 204);
  }
  await webhookCli(["remove", "--project", project.project_id, "--id", ep.id]);
});

test("an endpoint only gets the events it asked for", async () => {
  const ep = await addEndpoint("/deleted-only", "account.deleted");
  const id = await linkAccount("wh-owner-filter");
  await http(server, "DELETE", `/accounts/${id}`, { auth: project.api_key });
  await receiver.waitFor((s) => s.events.some((e) => e.path === "/deleted-only"));
  await sleep(500);
  assert.deepEqual(receiver.state.events.filter((e) => e.path === "/deleted-only").map((e) => e.payload.type), ["account.deleted"]);
  await webhookCli(["remove", "--project", project.project_id, "--id", ep.id]);
});

test("a receiver that fails the first three attempts still gets the event, with the same webhook-id", async () => {
  receiver.state.failFirst.set("/flaky", 3);
  const ep = await addEndpoint("/flaky", "account.created");
  await linkAccount("wh-owner-flaky");
  await receiver.waitFor((s) => s.events.some((e) => e.path === "/flaky"), { what: "the flaky delivery" });
  const attempts = receiver.state.attempts.filter((a) => a.path === "/flaky");
  assert.equal(attempts.length, 4);
  assert.deepEqual(attempts.map((a) => a.status), [503, 503, 503, 204]);
  assert.equal(new Set(attempts.map((a) => a.id)).size, 1);
  const log = await webhookCli(["deliveries", "--project", project.project_id, "--id", ep.id]);
  assert.equal(log.json[0].attempts, 4);
  assert.equal(log.json[0].status, "delivered");
  await webhookCli(["remove", "--project", project.project_id, "--id", ep.id]);
});

test("rotating the secret signs with both secrets during the grace period", async () => {
  const ep = await addEndpoint("/rotate", "account.created");
  const oldSecret = ep.secret;
  const rotated = await webhookCli(["rotate-secret", "--project", project.project_id, "--id", ep.id]);
  assert.equal(rotated.code, 0, rotated.stderr);
  assert.notEqual(rotated.json.secret, oldSecret);
  // The receiver only knows the NEW secret now, and separately checks the old one still verifies.
  receiver.state.secrets = [rotated.json.secret];
  await linkAccount("wh-owner-rotate");
  await receiver.waitFor((s) => s.events.some((e) => e.path === "/rotate"));
  const attempt = receiver.state.attempts.find((a) => a.path === "/rotate" && a.status === 204);
  const sigs = attempt.signature.split(" ");
  assert.equal(sigs.length, 2, "both the new and the old secret sign during the grace period");
  const { Webhook } = await import("standardwebhooks");
  const e = receiver.state.events.find((x) => x.path === "/rotate");
  new Webhook(oldSecret).verify(JSON.stringify(e.payload), e.headers); // throws if the old secret cannot verify
  await webhookCli(["remove", "--project", project.project_id, "--id", ep.id]);
});

test("an event pending when the server stops is delivered after it starts again", async () => {
  const ep = await addEndpoint("/restart", "account.created");
  receiver.state.failFirst.set("/restart", 1);
  const id = await linkAccount("wh-owner-restart");
  await receiver.waitFor((s) => s.attempts.some((a) => a.path === "/restart"), { what: "the first (failing) attempt" });
  // Kill hard right after the failed attempt, before the retry, then start on the same database.
  server.child.kill("SIGKILL");
  await new Promise((r) => server.child.once("exit", r));
  assert.equal(receiver.state.events.filter((e) => e.path === "/restart").length, 0);
  const port = server.port;
  const child = spawn(server.bin, ["serve", "--listen", `127.0.0.1:${port}`, "--database", `sqlite:${server.dbPath}`,
    "--public-url", server.url], { env: { ...process.env, ...ENV, CONNECTHUB_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY }, stdio: "ignore" });
  try {
    await receiver.waitFor((s) => s.events.some((e) => e.path === "/restart"), { what: "the delivery after restart" });
    const got = receiver.state.events.find((e) => e.path === "/restart");
    assert.equal(got.payload.data.id, id);
    const ids = receiver.state.attempts.filter((a) => a.path === "/restart").map((a) => a.id);
    assert.equal(new Set(ids).size, 1, "the retry after the restart reuses the webhook-id");
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
});
