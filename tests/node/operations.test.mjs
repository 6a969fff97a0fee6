// Operations and rate limits, black-box: GET /metrics (Prometheus text format, routes as patterns,
// business counters that move by exactly the events, storage pool gauges, no secrets), the rate
// limits per API key, per hub token and per client address (429 + Retry-After, isolation between
// keys, tokens and addresses, recovery, counted by limit), and configuration (`serve --help`, a
// config file, and flags > environment > file).

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import nodeHttp from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import {
  startServer, createProject, createApiKey, enable, cli, http, expectError, expectJson, sleep, binPath,
  TEST_ENCRYPTION_KEY, READY_TIMEOUT_MS,
} from "./lib/harness.mjs";
import { createSession, completeSession, hubCall, demoCreds, rand } from "./lib/hub.mjs";
import { startReceiver } from "./lib/receiver.mjs";
import { startFakeProvider } from "./lib/fake_provider.mjs";
import { assertCleanExit, stopGracefully } from "./lib/clean_exit.mjs";

// ---------------------------------------------------------------------------------------------
// Prometheus text format 0.0.4

/**
 * Parses an exposition strictly: every line is a HELP, a TYPE or `name{labels} value`; label values
 * use only the \\ \" \n escapes; each family has exactly one HELP and one TYPE, before its samples,
 * and its lines are contiguous. Throws on the first violation.
 */
function parsePrometheus(text) {
  assert.ok(text.endsWith("\n"), "the exposition must end with a newline");
  const help = new Map();
  const type = new Map();
  const samples = [];
  const closed = new Set();
  let current = null;
  const lines = text.slice(0, -1).split("\n");
  for (const line of lines) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      const [, what, name, rest] = meta;
      if (name !== current) {
        assert.ok(!closed.has(name), `family ${name} appears in two places`);
        if (current) closed.add(current);
        current = name;
      }
      const seen = what === "HELP" ? help : type;
      assert.ok(!seen.has(name), `second ${what} line for ${name}`);
      if (what === "TYPE") assert.ok(["counter", "gauge", "histogram"].includes(rest), `bad TYPE: ${line}`);
      seen.set(name, rest);
      continue;
    }
    assert.ok(!line.startsWith("#"), `unexpected comment: ${line}`);
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not \`name{labels} value\`: ${JSON.stringify(line)}`);
    const [, name, labelText = "", valueText] = m;
    const labels = {};
    const labelRe = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
    let at = 0;
    while (at < labelText.length) {
      labelRe.lastIndex = at;
      const lm = labelRe.exec(labelText);
      assert.ok(lm, `bad label set in ${JSON.stringify(line)}`);
      labels[lm[1]] = lm[2].replace(/\\(["\\n])/g, (_, c) => (c === "n" ? "\n" : c));
      at = labelRe.lastIndex;
    }
    const value = valueText === "+Inf" ? Infinity : valueText === "-Inf" ? -Infinity : Number(valueText);
    assert.ok(valueText === "NaN" || !Number.isNaN(value), `bad value in ${JSON.stringify(line)}`);
    let family = name;
    if (!type.has(family)) family = name.replace(/_(bucket|sum|count)$/, "");
    assert.equal(family, current, `sample outside its family's block: ${line}`);
    assert.ok(help.has(family) && type.has(family), `sample before HELP/TYPE: ${line}`);
    if (name !== family) assert.equal(type.get(family), "histogram", line);
    samples.push({ name, labels, value });
  }
  assert.deepEqual([...help.keys()].sort(), [...type.keys()].sort(), "every family has both HELP and TYPE");
  return { help, type, samples };
}

const sameLabels = (a, b) => {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
};

/** The value of the one sample with exactly these labels, or undefined if there is none. */
function sample(m, name, labels = {}) {
  const found = m.samples.filter((s) => s.name === name && sameLabels(s.labels, labels));
  assert.ok(found.length <= 1, `${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

async function scrape(server) {
  const res = await http(server, "GET", "/metrics");
  assert.equal(res.status, 200, res.text.slice(0, 300));
  return { res, m: parsePrometheus(res.text) };
}

// ---------------------------------------------------------------------------------------------
// Raw requests

/** GET/POST from a chosen local address (the whole of 127.0.0.0/8 is loopback on Linux). */
function fromAddress(server, localAddress, method, urlPath, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = nodeHttp.request(server.url + urlPath, { method, headers, localAddress, timeout: 5000 }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => {
        let json;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, json, text });
      });
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${urlPath} from ${localAddress}: timed out`)));
    req.on("error", reject);
    req.end();
  });
}

/** Asserts a 429 in the API's error shape with an integer Retry-After of at least one second. */
function expect429(res, { retryAfter = 1 } = {}) {
  const body = expectError(res, 429, { mentions: /too many requests/i });
  assert.match(String(res.headers["retry-after"]), /^[1-9][0-9]*$/, `Retry-After: ${res.headers["retry-after"]}`);
  // With 1 request/s and an empty bucket the wait is exactly one second.
  assert.equal(Number(res.headers["retry-after"]), retryAfter);
  return body;
}

const statuses = (list) => list.map((r) => r.status).sort((a, b) => a - b);

/** A request that must be refused, with the time it was refused (to wait out its Retry-After). */
async function refusedAt(request) {
  const res = await request();
  expect429(res);
  return { res, at: Date.now() };
}

/** Sleeps until Retry-After has passed since the refusal (plus a little for timer granularity). */
async function waitOut({ res, at }) {
  const left = Number(res.headers["retry-after"]) * 1000 + 50 - (Date.now() - at);
  if (left > 0) await sleep(left);
}

// ---------------------------------------------------------------------------------------------

describe("GET /metrics", () => {
  let server, receiver, project, integrationId, baseline, latest;
  const secrets = [];
  const tokens = [];
  let accountId;
  const missingId = `acc_missing${rand(6)}`;
  const queryValue = `owner-in-query-${rand(6)}`;
  const unmatchedPath = `/no-such-path-${rand(6)}`;
  // What the traffic below must add, counted as it is sent.
  let sessionsCreated = 0;

  before(async () => {
    receiver = await startReceiver();
    const env = { CONNECTHUB_WEBHOOK_ALLOW_PRIVATE: "1" };
    server = await startServer({ env });
    project = await createProject(server, "metrics");
    secrets.push(project.api_key, TEST_ENCRYPTION_KEY);
    integrationId = (await enable(server, project.project_id, "demohris")).integration_id;
    const r = await cli(["webhook", "add", "--project", project.project_id, "--url", `${receiver.url}/hook`, "--json"],
      { database: `sqlite:${server.dbPath}`, env });
    assert.equal(r.code, 0, r.stderr);
    receiver.state.secrets.push(r.json.secret);
    secrets.push(r.json.secret);

    baseline = await scrape(server);

    // Sessions straight from the API, one refused for a missing field, one for a bad key.
    for (let i = 0; i < 3; i++) {
      const s = await createSession(server, project.api_key, { origin_owner_id: `direct-${i}`, origin_owner_name: "Direct" });
      tokens.push(s.token);
      sessionsCreated++;
    }
    expectError(await http(server, "POST", "/connect_sessions", { auth: project.api_key, body: { origin_owner_name: "x" } }), 400);
    expectError(await http(server, "POST", "/connect_sessions", { auth: `sk_wrong${rand(16)}`, body: { origin_owner_id: "a", origin_owner_name: "b" } }), 401);

    // Linked through the hub, then linked again for the same owner (an update), then changed and
    // deleted through the accounts API.
    const owner = { origin_owner_id: `owner-${rand(4)}`, origin_owner_name: "Acme", provider: "demohris" };
    const creds1 = demoCreds();
    const creds2 = demoCreds();
    secrets.push(creds1.api_key, creds1.company, creds2.api_key, creds2.company);
    const first = await completeSession(server, project.api_key, owner, integrationId, creds1);
    sessionsCreated++;
    tokens.push(first.session.token);
    accountId = expectJson(first.res, 201).id;
    const second = await completeSession(server, project.api_key, owner, integrationId, creds2);
    sessionsCreated++;
    tokens.push(second.session.token);
    assert.equal(expectJson(second.res, 200).id, accountId, "linking the same owner again updates the account");

    expectJson(await http(server, "GET", `/accounts?origin_owner_id=${queryValue}`, { auth: project.api_key }), 200);
    expectJson(await http(server, "GET", `/accounts/${accountId}`, { auth: project.api_key }), 200);
    expectError(await http(server, "GET", `/accounts/${missingId}`, { auth: project.api_key }), 404);
    expectJson(await http(server, "PATCH", `/accounts/${accountId}`, { auth: project.api_key, body: { label: "renamed" } }), 200);
    expectJson(await http(server, "DELETE", `/accounts/${accountId}`, { auth: project.api_key }), 200);
    expectError(await http(server, "GET", unmatchedPath), 404);

    // created, updated (re-link), updated (PATCH), deleted.
    await receiver.waitFor((s) => s.events.length >= 4);
    const deadline = Date.now() + 5000;
    for (;;) {
      latest = await scrape(server);
      if (sample(latest.m, "connecthub_webhook_deliveries_total", { result: "delivered" }) === 4 || Date.now() > deadline) break;
      await sleep(50);
    }
  });

  after(async () => {
    if (server) await assertCleanExit(await stopGracefully(server), server.logs(), server.child.pid);
    await receiver?.close();
  });

  it("is Prometheus text format 0.0.4 with one HELP and one TYPE per family", () => {
    assert.equal(latest.res.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    // parsePrometheus already checked every line; the families themselves:
    assert.deepEqual([...latest.m.type.entries()].sort(), [
      ["connecthub_accounts_deleted_total", "counter"],
      ["connecthub_accounts_linked_total", "counter"],
      ["connecthub_accounts_updated_total", "counter"],
      ["connecthub_connect_sessions_created_total", "counter"],
      ["connecthub_hot_path_passed_on_total", "counter"],
      ["connecthub_http_request_duration_seconds", "histogram"],
      ["connecthub_http_requests_total", "counter"],
      ["connecthub_rate_limited_total", "counter"],
      ["connecthub_store_connections", "gauge"],
      ["connecthub_store_waiting", "gauge"],
      ["connecthub_webhook_deliveries_total", "counter"],
    ]);
  });

  it("exports the business counters at 0 before any event", () => {
    for (const name of [
      "connecthub_connect_sessions_created_total", "connecthub_accounts_linked_total", "connecthub_accounts_updated_total",
      "connecthub_accounts_deleted_total", "connecthub_webhook_deliveries_total", "connecthub_rate_limited_total",
      "connecthub_hot_path_passed_on_total",
    ]) {
      assert.equal(sample(baseline.m, name), 0, `${name} before any event`);
    }
  });

  it("counts requests by method, route pattern and status", () => {
    const req = (method, route, status) => sample(latest.m, "connecthub_http_requests_total", { method, route, status: String(status) });
    assert.equal(req("POST", "/connect_sessions", 201), sessionsCreated);
    assert.equal(req("POST", "/connect_sessions", 400), 1);
    assert.equal(req("POST", "/connect_sessions", 401), 1);
    assert.equal(req("POST", "/hub/accounts", 201), 1);
    assert.equal(req("POST", "/hub/accounts", 200), 1);
    assert.equal(req("GET", "/accounts", 200), 1);
    assert.equal(req("GET", "/accounts/{id}", 200), 1);
    assert.equal(req("GET", "/accounts/{id}", 404), 1);
    assert.equal(req("PATCH", "/accounts/{id}", 200), 1);
    assert.equal(req("DELETE", "/accounts/{id}", 200), 1);
    assert.equal(req("GET", "unmatched", 404), 1);
    // Scrapes count too; how many depends on the polling for webhook deliveries above.
    assert.ok(req("GET", "/metrics", 200) >= 1, "earlier scrapes are counted");
    // Routes are patterns only: no ids, no query strings, no raw unknown paths.
    const routes = new Set(latest.m.samples.filter((s) => s.name === "connecthub_http_requests_total").map((s) => s.labels.route));
    assert.deepEqual([...routes].sort(), ["/accounts", "/accounts/{id}", "/connect_sessions", "/hub/accounts", "/metrics", "/readyz", "unmatched"]);
    for (const raw of [accountId, missingId, queryValue, unmatchedPath, "?"]) {
      assert.ok(!latest.res.text.includes(raw), `/metrics contains ${raw}`);
    }
  });

  it("has a cumulative latency histogram per route whose +Inf bucket is its count", () => {
    const perRoute = new Map();
    for (const s of latest.m.samples.filter((s) => s.name === "connecthub_http_requests_total")) {
      perRoute.set(s.labels.route, (perRoute.get(s.labels.route) ?? 0) + s.value);
    }
    for (const route of ["/connect_sessions", "/accounts/{id}", "/hub/accounts"]) {
      const buckets = latest.m.samples.filter((s) => s.name === "connecthub_http_request_duration_seconds_bucket" && s.labels.route === route);
      const les = buckets.map((b) => b.labels.le);
      assert.deepEqual(les, ["0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "5", "+Inf"], route);
      for (let i = 1; i < buckets.length; i++) {
        assert.ok(buckets[i].value >= buckets[i - 1].value, `${route}: le=${les[i]} below le=${les[i - 1]}`);
      }
      const count = sample(latest.m, "connecthub_http_request_duration_seconds_count", { route });
      assert.equal(buckets.at(-1).value, count, `${route}: +Inf bucket equals _count`);
      assert.equal(count, perRoute.get(route), `${route}: _count equals the requests counted for the route`);
      const sum = sample(latest.m, "connecthub_http_request_duration_seconds_sum", { route });
      assert.ok(sum > 0 && sum < count * 5, `${route}: _sum ${sum} for ${count} requests`);
    }
    assert.equal(sample(latest.m, "connecthub_http_request_duration_seconds_count", { route: "/connect_sessions" }), sessionsCreated + 2);
    assert.equal(sample(latest.m, "connecthub_http_request_duration_seconds_count", { route: "/accounts/{id}" }), 4);
  });

  it("moves the business counters by exactly the events", () => {
    const delta = (name, labels) => sample(latest.m, name, labels) - (sample(baseline.m, name, labels) ?? 0);
    assert.equal(sessionsCreated, 5);
    assert.equal(delta("connecthub_connect_sessions_created_total"), sessionsCreated);
    assert.equal(delta("connecthub_accounts_linked_total"), 1);
    assert.equal(delta("connecthub_accounts_updated_total"), 2, "one hub re-link and one PATCH");
    assert.equal(delta("connecthub_accounts_deleted_total"), 1);
    assert.equal(sample(latest.m, "connecthub_rate_limited_total"), 0, "limits are off on this server");
  });

  it("counts webhook deliveries by result", () => {
    assert.equal(receiver.state.events.length, 4);
    assert.deepEqual(receiver.state.events.map((e) => e.payload.type),
      ["account.created", "account.updated", "account.updated", "account.deleted"]);
    assert.equal(sample(latest.m, "connecthub_webhook_deliveries_total", { result: "delivered" }), 4);
    assert.equal(sample(latest.m, "connecthub_webhook_deliveries_total", { result: "retry" }), undefined);
    assert.equal(sample(latest.m, "connecthub_webhook_deliveries_total", { result: "failed" }), undefined);
  });

  it("shows the storage pools with sane values", () => {
    const series = latest.m.samples.filter((s) => s.name.startsWith("connecthub_store_"));
    assert.deepEqual(series.map((s) => `${s.name}${JSON.stringify(s.labels)}`).sort(), [
      'connecthub_store_connections{"pool":"sqlite_read","state":"in_use"}',
      'connecthub_store_connections{"pool":"sqlite_read","state":"max"}',
      'connecthub_store_connections{"pool":"sqlite_read","state":"open"}',
      'connecthub_store_connections{"pool":"sqlite_write","state":"in_use"}',
      'connecthub_store_connections{"pool":"sqlite_write","state":"max"}',
      'connecthub_store_connections{"pool":"sqlite_write","state":"open"}',
      'connecthub_store_waiting{"pool":"sqlite_read"}',
      'connecthub_store_waiting{"pool":"sqlite_write"}',
    ]);
    for (const s of series) assert.ok(Number.isInteger(s.value) && s.value >= 0, `${s.name} ${JSON.stringify(s.labels)} = ${s.value}`);
    const conn = (pool, state) => sample(latest.m, "connecthub_store_connections", { pool, state });
    // SQLite has one writer connection, always open.
    assert.equal(conn("sqlite_write", "max"), 1);
    assert.equal(conn("sqlite_write", "open"), 1);
    assert.ok(conn("sqlite_read", "max") >= 1);
    assert.ok(conn("sqlite_read", "open") >= 1, "the reads above opened a reader");
    for (const pool of ["sqlite_read", "sqlite_write"]) {
      assert.ok(conn(pool, "open") <= conn(pool, "max"), `${pool}: open <= max`);
      assert.ok(conn(pool, "in_use") <= conn(pool, "open"), `${pool}: in_use <= open`);
    }
  });

  it("never contains a secret", async () => {
    const { res } = await scrape(server);
    assert.ok(tokens.length === 5 && secrets.length >= 7);
    for (const s of [...secrets, ...tokens]) {
      assert.ok(!res.text.includes(s), `/metrics contains a secret (${s.slice(0, 8)}...)`);
    }
    // Nor their distinctive prefixes: no key, token or webhook secret of any kind.
    assert.doesNotMatch(res.text, /\b(sk|cst|whsec)_/);
  });
});

// ---------------------------------------------------------------------------------------------

describe("hub completions the hot path hands on (connecthub_hot_path_passed_on_total)", () => {
  // BambooHR keys are 40 hexadecimal characters.
  const GOOD = "0123456789abcdef0123456789abcdef01234567";
  const BAD = "fedcba9876543210fedcba9876543210fedcba98";
  let server, fake, P, intBamboo, intDemo;

  before(async () => {
    fake = await startFakeProvider({ acceptKey: GOOD });
    server = await startServer({ env: { CONNECTHUB_VERIFY_ALLOW_PRIVATE: "1" } });
    P = await createProject(server, "passed-on");
    intBamboo = (await enable(server, P.project_id, "bamboohr", { base_url: fake.url })).integration_id;
    intDemo = (await enable(server, P.project_id, "demohris")).integration_id;
  });

  after(async () => {
    if (server) await assertCleanExit(await stopGracefully(server), server.logs(), server.child.pid);
    if (fake) await fake.stop();
  });

  const passedOn = async (stage) =>
    sample((await scrape(server)).m, "connecthub_hot_path_passed_on_total", { route: "/hub/accounts", stage }) ?? 0;
  const link = async (provider, integrationId, credentials, owner = { origin_owner_id: `po-${rand()}`, origin_owner_name: "PO" }) => {
    const { res } = await completeSession(server, P.api_key, { ...owner, provider }, integrationId, credentials);
    return expectJson(res, 201).id;
  };

  it("a provider with a check request: the writer hands on the first, the I/O thread the next ones; each is checked and linked", async () => {
    const before = fake.requests.length;
    await link("bamboohr", intBamboo, { subdomain: `acme-${rand()}`, api_key: GOOD });
    assert.equal(await passedOn("writer"), 1, "the first: the writer looked it up, then handed it on");
    assert.equal(await passedOn("io"), 0);
    await link("bamboohr", intBamboo, { subdomain: `acme-${rand()}`, api_key: GOOD });
    await link("bamboohr", intBamboo, { subdomain: `acme-${rand()}`, api_key: GOOD });
    assert.equal(await passedOn("writer"), 1);
    assert.equal(await passedOn("io"), 2, "later ones go to the ordinary handler at once");
    assert.equal(fake.requests.length - before, 3, "every completion was checked with the provider");
    // A rejected key is still rejected on the ordinary path.
    const owner = { origin_owner_id: `po-${rand()}`, origin_owner_name: "PO", provider: "bamboohr" };
    const { res } = await completeSession(server, P.api_key, owner, intBamboo, { subdomain: "acme", api_key: BAD });
    expectError(res, 422);
  });

  it("a provider without one stays on the hot path; an edit session is handed on by the writer", async () => {
    const writerBefore = await passedOn("writer");
    const ioBefore = await passedOn("io");
    const owner = { origin_owner_id: `po-${rand()}`, origin_owner_name: "PO" };
    const id = await link("demohris", intDemo, demoCreds(), owner);
    assert.equal(await passedOn("writer"), writerBefore);
    assert.equal(await passedOn("io"), ioBefore);
    const edit = await createSession(server, P.api_key, { ...owner, account_id: id });
    const res = await hubCall(server, edit.token, "POST", "/hub/accounts", { integration_id: intDemo, credentials: demoCreds() });
    assert.equal(expectJson(res, 200).id, id);
    assert.equal(await passedOn("writer"), writerBefore + 1);
    assert.equal(await passedOn("io"), ioBefore);
  });
});

describe("rate limits per API key and per hub token", () => {
  let server, A, B, setupKey, tokenA, tokenB;

  before(async () => {
    // The harness turns limits off; this server sets the per-key limit by environment variable and
    // the per-token one by flag, and leaves the client limit off so the token limit shows alone.
    server = await startServer({
      env: { CONNECTHUB_RATE_LIMITS: "on", CONNECTHUB_RATE_LIMIT_API_KEY: "1:3" },
      args: ["--rate-limit-hub-token", "1:3", "--rate-limit-client", "off"],
    });
    A = await createProject(server, "limited-a");
    B = await createProject(server, "limited-b");
    await enable(server, A.project_id, "demohris");
    // Sessions come from a key of their own so that A's key starts with a full bucket.
    setupKey = (await createApiKey(server, A.project_id)).api_key;
    tokenA = (await createSession(server, setupKey, { origin_owner_id: "t1", origin_owner_name: "T" })).token;
    tokenB = (await createSession(server, setupKey, { origin_owner_id: "t2", origin_owner_name: "T" })).token;
  });

  after(async () => {
    if (server) await assertCleanExit(await stopGracefully(server), server.logs(), server.child.pid);
  });

  it("refuses an API key's burst beyond its limit with 429 and Retry-After; other keys are unaffected", async () => {
    // Sent at once: at 1 request/s nothing refills while they are served.
    const burst = await Promise.all(Array.from({ length: 5 }, () => http(server, "GET", "/accounts", { auth: A.api_key })));
    assert.deepEqual(statuses(burst), [200, 200, 200, 429, 429]);
    for (const r of burst.filter((r) => r.status === 429)) expect429(r);
    const again = await refusedAt(() => http(server, "GET", "/accounts", { auth: A.api_key }));

    // Another project's key has its own full bucket.
    for (let i = 0; i < 3; i++) expectJson(await http(server, "GET", "/accounts", { auth: B.api_key }), 200);
    // So does the key that made the sessions (2 of its 3 used).
    expectJson(await http(server, "GET", "/accounts", { auth: setupKey }), 200);

    await waitOut(again);
    expectJson(await http(server, "GET", "/accounts", { auth: A.api_key }), 200);
  });

  it("counts each session request once, whether the hot path answers it or passes it on", async () => {
    // POST /connect_sessions is answered on the I/O thread when the key is cached; with an account_id
    // it passes the request on to the ordinary handler (a database read), which must not charge the
    // key a second time. Bucket of 3: a double charge would refuse the third request.
    const key = (await createApiKey(server, A.project_id)).api_key;
    const post = (body) => http(server, "POST", "/connect_sessions", { auth: key, body });
    const owner = { origin_owner_id: "once", origin_owner_name: "Once" };
    const got = [];
    got.push(await post({ ...owner, provider: "demohris" }));  // caches the key
    got.push(await post({ ...owner, account_id: "acc_missing" }));  // passed on: 404
    got.push(await post({ ...owner, account_id: "acc_missing" }));
    got.push(await post({ ...owner, provider: "demohris" }));  // hot path, bucket empty
    assert.deepEqual(statuses(got), [201, 404, 404, 429]);
    expect429(got[3]);
  });

  it("counts each hub completion once against its token, whether the hot path answers it or passes it on", async () => {
    // POST /hub/accounts is completed inside the writer's transaction when it can be; an edit session
    // (account_id) is passed on from there to the ordinary handler, which must not charge the token a
    // second time. Bucket of 3: rejected credentials leave the token usable, so the fourth try is the
    // first one refused, on either path.
    const key = (await createApiKey(server, A.project_id)).api_key;
    const integrationId = (await enable(server, A.project_id, "demohris")).integration_id;
    const owner = { origin_owner_id: `hub-once-${rand()}`, origin_owner_name: "Once" };
    const { session, res } = await completeSession(server, key, { ...owner, provider: "demohris" }, integrationId, demoCreds());
    const accountId = expectJson(res, 201).id;
    const fresh = (await createSession(server, key, { ...owner, provider: "demohris" })).token;
    const edit = (await createSession(server, key, { ...owner, account_id: accountId })).token;
    assert.notEqual(session.token, fresh);
    for (const [name, token] of [["hot path", fresh], ["passed on", edit]]) {
      const got = [];
      for (let i = 0; i < 4; i++) {
        got.push(await hubCall(server, token, "POST", "/hub/accounts", { integration_id: integrationId, credentials: { not_a_field: "x" } }));
      }
      const st = statuses(got);
      assert.equal(st[0], st[1], `${name}: ${st}`);
      assert.equal(st[1], st[2], `${name}: ${st}`);
      assert.ok(st[0] >= 400 && st[0] < 429, `${name}: rejected credentials are a client error: ${st}`);
      assert.equal(st[3], 429, `${name}: ${st}`);
      expect429(got[3]);
    }
  });

  it("limits guessed API keys too (before the lookup)", async () => {
    const wrong = `sk_${rand(20)}`;
    for (let i = 0; i < 3; i++) expectError(await http(server, "GET", "/accounts", { auth: wrong }), 401);
    expect429(await http(server, "GET", "/accounts", { auth: wrong }));
  });

  it("refuses a hub token's burst on /hub/settings; another token still works", async () => {
    const burst = await Promise.all(Array.from({ length: 5 }, () => hubCall(server, tokenA, "GET", "/hub/settings")));
    assert.deepEqual(statuses(burst), [200, 200, 200, 429, 429]);
    for (const r of burst.filter((r) => r.status === 429)) {
      expect429(r);
      // The hub calls from the customer's page: the refusal must be readable cross-origin.
      assert.equal(r.headers["access-control-allow-origin"], "*");
    }
    const again = await refusedAt(() => hubCall(server, tokenA, "GET", "/hub/settings"));
    for (let i = 0; i < 3; i++) expectJson(await hubCall(server, tokenB, "GET", "/hub/settings"), 200);

    await waitOut(again);
    expectJson(await hubCall(server, tokenA, "GET", "/hub/settings"), 200);
  });

  it("counts the refusals by limit", async () => {
    const { m } = await scrape(server);
    // 2 + 1 for A's key, 1 for the session key, 1 for the guessed key; 2 + 1 for token A.
    assert.equal(sample(m, "connecthub_rate_limited_total", { limit: "api_key" }), 5);
    // 2 + 1 for token A; 1 each for the two tokens of the hub completion test.
    assert.equal(sample(m, "connecthub_rate_limited_total", { limit: "hub_token" }), 5);
    assert.equal(sample(m, "connecthub_rate_limited_total", { limit: "client" }), undefined);
    assert.equal(sample(m, "connecthub_http_requests_total", { method: "GET", route: "/accounts", status: "429" }), 4);
    assert.equal(sample(m, "connecthub_http_requests_total", { method: "GET", route: "/hub/settings", status: "429" }), 3);
  });
});

describe("rate limit per client address on /link and /hub/*", () => {
  let server, P, token;

  before(async () => {
    server = await startServer({
      env: { CONNECTHUB_RATE_LIMITS: "on" },
      args: ["--rate-limit-client", "1:4", "--rate-limit-hub-token", "off", "--rate-limit-api-key", "off"],
    });
    P = await createProject(server, "clients");
    await enable(server, P.project_id, "demohris");
    token = (await createSession(server, P.api_key, { origin_owner_id: "c1", origin_owner_name: "C" })).token;
  });

  after(async () => {
    if (server) await assertCleanExit(await stopGracefully(server), server.logs(), server.child.pid);
  });

  it("refuses one address beyond its burst on both /link and /hub/*, and only that address", async () => {
    // The burst of 4 spent on both kinds of route. /link answers 503 when the page is not built
    // into the binary; either way it is served, not limited.
    const [link1, link2, settings1, connectors1] = await Promise.all([
      http(server, "GET", "/link"), http(server, "GET", "/link"),
      hubCall(server, token, "GET", "/hub/settings"), hubCall(server, token, "GET", "/hub/connectors"),
    ]);
    for (const r of [link1, link2]) assert.ok([200, 503].includes(r.status), `GET /link: ${r.status} ${r.text.slice(0, 200)}`);
    expectJson(settings1, 200);
    expectJson(connectors1, 200);

    const [link, settings] = await Promise.all([http(server, "GET", "/link"), hubCall(server, token, "GET", "/hub/settings")]);
    expect429(link);
    expect429(settings);
    // The address is the socket's: a forwarded-for header does not buy a new bucket.
    const again = await refusedAt(() =>
      hubCall(server, token, "GET", "/hub/settings", undefined, { headers: { "x-forwarded-for": "203.0.113.7" } }));

    // Another client address has its own bucket, with the same token.
    const other = await fromAddress(server, "127.0.0.2", "GET", "/hub/settings", { "x-hub-session-token": token, "x-hub-version": "1.11.4" });
    assert.equal(other.status, 200, other.text.slice(0, 200));
    // The API routes are not browser-facing: the exhausted address can still create sessions.
    expectJson(await http(server, "POST", "/connect_sessions", { auth: P.api_key, body: { origin_owner_id: "c2", origin_owner_name: "C" } }), 201);

    await waitOut(again);
    expectJson(await hubCall(server, token, "GET", "/hub/settings"), 200);
  });

  it("counts the refusals under limit=\"client\"", async () => {
    const { m } = await scrape(server);
    assert.equal(sample(m, "connecthub_rate_limited_total", { limit: "client" }), 3);
    assert.equal(sample(m, "connecthub_rate_limited_total", { limit: "api_key" }), undefined);
    assert.equal(sample(m, "connecthub_rate_limited_total", { limit: "hub_token" }), undefined);
  });
});

// ---------------------------------------------------------------------------------------------

describe("configuration", () => {
  let dir, dbUrl, apiKey;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "connecthub-config-"));
    dbUrl = `sqlite:${path.join(dir, "connecthub.db")}`;
    const created = await cli(["project", "create", "--name", "config", "--json"], { database: dbUrl });
    assert.equal(created.code, 0, created.stderr);
    apiKey = created.json.api_key;
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function freePort() {
    const srv = net.createServer();
    await new Promise((r) => srv.listen(0, "127.0.0.1", r));
    const { port } = srv.address();
    await new Promise((r) => srv.close(r));
    return port;
  }

  /** The environment of a serve run: ours only, none of the caller's CONNECTHUB_* settings. */
  function cleanEnv(extra) {
    const env = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("CONNECTHUB_")) env[k] = v;
    return { ...env, CONNECTHUB_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, ...extra };
  }

  /** Runs `serve` exactly as given (the harness would add its own --listen and --public-url). */
  async function serve(args, env, url) {
    const child = spawn(binPath(), ["serve", "--database", dbUrl, ...args], { cwd: dir, env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"] });
    let logs = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (logs += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (logs += d));
    const exited = new Promise((r) => child.once("exit", (code, signal) => r({ code, signal })));
    let gone = null;
    exited.then((e) => (gone = e));
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (gone) throw new Error(`serve exited (${gone.code}) before it was ready:\n${logs}`);
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`serve not ready on ${url}:\n${logs}`);
      }
      try {
        const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.status === 200) break;
      } catch { /* not listening yet */ }
      await sleep(50);
    }
    return {
      url,
      async stop() {
        child.kill("SIGTERM");
        const e = await exited;
        await assertCleanExit(e, logs, child.pid, "serve");
      },
    };
  }

  const linkOf = async (server) => {
    const s = await createSession(server, apiKey, { origin_owner_id: `cfg-${rand(4)}`, origin_owner_name: "Cfg" });
    return s.auth_link_url.slice(0, s.auth_link_url.indexOf("#"));
  };

  /** A config file with comments, a section header, indentation and both kinds of quotes. */
  async function configFile(port, extra = "", { publicUrl = true } = {}) {
    const file = path.join(dir, `connecthub-${rand(4)}.conf`);
    await writeFile(file, [
      "# connecthub test configuration",
      "",
      "[server]",
      `  listen = 127.0.0.1:${port}`,
      publicUrl ? 'public_url = "http://file.example:1"' : "# no public_url: it defaults to http://LISTEN",
      "rate_limit_api_key = '1:2'",
      extra,
    ].join("\n"));
    return file;
  }

  it("serve --help lists every option with its environment variable and the default limits", async () => {
    const r = await cli(["serve", "--help"]);
    assert.equal(r.code, 0, r.stderr);
    const envOf = {
      "--config": "CONNECTHUB_CONFIG",
      "--listen": "CONNECTHUB_LISTEN",
      "--database": "CONNECTHUB_DATABASE_URL",
      "--public-url": "CONNECTHUB_PUBLIC_URL",
      "--data-dir": "CONNECTHUB_DATA_DIR",
      "--catalog": "CONNECTHUB_CATALOG",
      "--production": "CONNECTHUB_ENV",
      "--io-threads": "CONNECTHUB_IO_THREADS",
      "--worker-threads": "CONNECTHUB_WORKER_THREADS",
      "--outbound-threads": "CONNECTHUB_OUTBOUND_THREADS",
      "--body-limit": "CONNECTHUB_BODY_LIMIT",
      "--webhook-timeout-ms": "CONNECTHUB_WEBHOOK_TIMEOUT_MS",
      "--rate-limit-api-key": "CONNECTHUB_RATE_LIMIT_API_KEY",
      "--rate-limit-hub-token": "CONNECTHUB_RATE_LIMIT_HUB_TOKEN",
      "--rate-limit-client": "CONNECTHUB_RATE_LIMIT_CLIENT",
      "--verify-timeout-ms": "CONNECTHUB_VERIFY_TIMEOUT_MS",
      "--auth-cache-ms": "CONNECTHUB_AUTH_CACHE_MS",
    };
    // An option's entry runs from its line to the next option or the end of the list.
    const entries = new Map();
    let current = null;
    for (const line of r.stdout.split("\n")) {
      const opt = /^ {2}(?:-h,)?(--[a-z-]+)/.exec(line);
      if (opt) entries.set((current = opt[1]), line);
      else if (current && /^ {6,}\S/.test(line)) entries.set(current, `${entries.get(current)} ${line.trim()}`);
      else current = null;
    }
    entries.delete("--help");
    assert.deepEqual([...entries.keys()].sort(), Object.keys(envOf).sort(), r.stdout);
    for (const [opt, env] of Object.entries(envOf)) {
      assert.ok(new RegExp(`\\b${env}\\b`).test(entries.get(opt)), `${opt} does not name ${env}: ${entries.get(opt)}`);
    }
    assert.match(entries.get("--rate-limit-api-key"), /=100:200\b/);
    assert.match(entries.get("--rate-limit-hub-token"), /=5:30\b/);
    assert.match(entries.get("--rate-limit-client"), /=20:60\b/);
    assert.match(entries.get("--auth-cache-ms"), /=1000\b/);
    // The switches that exist only as environment variables.
    for (const env of ["CONNECTHUB_ENCRYPTION_KEY", "CONNECTHUB_PREVIOUS_ENCRYPTION_KEYS", "CONNECTHUB_VERIFY_ALLOW_PRIVATE",
      "CONNECTHUB_WEBHOOK_ALLOW_PRIVATE", "CONNECTHUB_WEBHOOK_RETRY_SCHEDULE", "CONNECTHUB_RATE_LIMITS"]) {
      assert.ok(r.stdout.includes(env), `serve --help does not mention ${env}`);
    }
  });

  it("applies a config file given with --config", async () => {
    const port = await freePort();
    const file = await configFile(port);
    // Limits on, so the file's per-key limit (burst 2) shows.
    const s = await serve(["--config", file], { CONNECTHUB_RATE_LIMITS: "on" }, `http://127.0.0.1:${port}`);
    try {
      assert.equal(await linkOf(s), "http://file.example:1/link");
      await linkOf(s);
      expect429(await http(s, "POST", "/connect_sessions", { auth: apiKey, body: { origin_owner_id: "x", origin_owner_name: "X" } }));
    } finally {
      await s.stop();
    }
  });

  it("an environment variable overrides the file, and a flag overrides the environment", async () => {
    let port = await freePort();
    const env = { CONNECTHUB_RATE_LIMITS: "on", CONNECTHUB_PUBLIC_URL: "http://env.example:2", CONNECTHUB_RATE_LIMIT_API_KEY: "off" };
    let s = await serve(["--config", await configFile(port)], env, `http://127.0.0.1:${port}`);
    try {
      assert.equal(await linkOf(s), "http://env.example:2/link");
      for (let i = 0; i < 3; i++) await linkOf(s);  // "off" from the environment beats the file's burst of 2
    } finally {
      await s.stop();
    }

    port = await freePort();
    s = await serve(["--config", await configFile(port), "--public-url", "http://flag.example:3", "--rate-limit-api-key", "1:1"],
      env, `http://127.0.0.1:${port}`);
    try {
      assert.equal(await linkOf(s), "http://flag.example:3/link");
      expect429(await http(s, "POST", "/connect_sessions", { auth: apiKey, body: { origin_owner_id: "x", origin_owner_name: "X" } }));
    } finally {
      await s.stop();
    }

    // The listen address from the environment beats the file's (serve() waits for it on that port),
    // and without a public URL anywhere it defaults to http://LISTEN.
    port = await freePort();
    s = await serve(["--config", await configFile(await freePort(), "", { publicUrl: false })],
      { CONNECTHUB_LISTEN: `127.0.0.1:${port}` }, `http://127.0.0.1:${port}`);
    try {
      assert.equal(await linkOf(s), `http://127.0.0.1:${port}/link`);
    } finally {
      await s.stop();
    }
  });

  /** Runs serve expecting it to refuse to start; returns its stderr. */
  async function refused(args, env = {}) {
    const r = await cli(["serve", "--database", dbUrl, ...args], { env: cleanEnv(env), timeoutMs: 5000 });
    assert.notEqual(r.code, 0, `serve ${args.join(" ")} started:\n${r.stderr}`);
    assert.equal(r.signal, null, `serve ${args.join(" ")} did not exit by itself:\n${r.stderr}`);
    return r.stderr;
  }

  it("an unknown name in the config file stops serve with a message naming it", async () => {
    const port = await freePort();
    const file = await configFile(port, "lissten = 127.0.0.1:1");
    const stderr = await refused(["--config", file]);
    assert.ok(stderr.includes(`${file}:7: unknown option 'lissten'`), stderr);
  });

  it("other mistakes in the config file stop serve with a message naming the line", async () => {
    const port = await freePort();
    let file = await configFile(port, "listen 127.0.0.1:1");
    assert.ok((await refused(["--config", file])).includes(`${file}:7: expected name = value`));
    file = await configFile(port, `config = ${file}`);
    assert.ok((await refused(["--config", file])).includes("a config file cannot name another"));
    file = await configFile(port, "worker_threads = 0");
    assert.match(await refused(["--config", file]), new RegExp(`${file.replace(/[.]/g, "\\.")}:7: worker-threads: `));
    assert.ok((await refused(["--config", path.join(dir, "missing.conf")])).includes("cannot read config file"));
  });

  it("a bad rate limit stops serve with a clear message", async () => {
    const message = "rate limits look like 100:200 (requests per second : burst) or off";
    const port = await freePort();
    for (const bad of ["fast", "5:0", "nan"]) {
      const stderr = await refused(["--listen", `127.0.0.1:${port}`, "--rate-limit-api-key", bad], { CONNECTHUB_RATE_LIMITS: "on" });
      assert.ok(stderr.includes(message), `${bad}: ${stderr}`);
    }
    const fromFile = await refused(["--config", await configFile(port, "rate_limit_client = 5:x")], { CONNECTHUB_RATE_LIMITS: "on" });
    assert.ok(fromFile.includes(message), fromFile);
  });
});
