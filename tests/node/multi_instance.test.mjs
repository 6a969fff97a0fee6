// Several connecthub processes on one PostgreSQL database (DESIGN.md section 8: instances keep no
// state another instance needs). Needs CONNECTHUB_TEST_PG_URL (a cluster URL; scripts/pg.sh start DIR
// prints one and scripts/test.sh exports it); the whole file is skipped without it. Each run creates
// its own database on that cluster and drops it afterwards.
//
// A hub completion here = POST /connect_sessions (provider demohris) on some instance, then
// POST /hub/accounts with the session token on some (usually another) instance.

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { pgUrl, createDatabase, psql, startServerOn, cli, http } from "./lib/pg.mjs";

const CLUSTER = pgUrl();
const CREDS = { company: "acme", api_key: "abcdefgh12" };

describe("several instances on one PostgreSQL", {
  skip: CLUSTER ? false : "CONNECTHUB_TEST_PG_URL is not set: start a cluster with scripts/pg.sh start DIR and export its URL",
}, () => {
  let db;
  let servers = [];
  let project; // {organization_id, project_id, api_key}
  let integrationId;
  let rr = 0;
  const next = () => servers[rr++ % servers.length];

  before(async () => {
    db = await createDatabase(CLUSTER);
  });

  after(async () => {
    await Promise.allSettled(servers.map((s) => s.stop()));
    await db?.drop();
  });

  // Later tests need the instances and the project of the first one.
  function needSetup(t) {
    if (!project || servers.length === 0) {
      t.skip("the instances did not start (see the first test)");
      return false;
    }
    return true;
  }

  async function newSession(server, owner, { multiple = false } = {}) {
    const res = await http(server, "POST", "/connect_sessions", {
      auth: project.api_key,
      body: { origin_owner_id: owner, origin_owner_name: "Acme", provider: "demohris", multiple },
    });
    assert.equal(res.status, 201, `POST /connect_sessions on ${server.url}: ${res.status} ${res.text}`);
    return res.json.token;
  }

  function complete(server, token) {
    return http(server, "POST", "/hub/accounts", {
      headers: { "x-hub-session-token": token },
      body: { integration_id: integrationId, credentials: CREDS },
    });
  }

  async function accountsOf(server, owner) {
    const res = await http(server, "GET", `/accounts?page_size=1000&origin_owner_id=${encodeURIComponent(owner)}`, {
      auth: project.api_key,
    });
    assert.equal(res.status, 200, res.text);
    return res.json;
  }

  // Runs `fn(i)` for i < n with at most `width` in flight.
  async function pool(n, width, fn) {
    const out = new Array(n);
    let i = 0;
    await Promise.all(Array.from({ length: width }, async () => {
      while (i < n) {
        const k = i++;
        out[k] = await fn(k);
      }
    }));
    return out;
  }

  test("three instances starting at once on an empty database apply the migrations exactly once", async () => {
    const t0 = Date.now();
    // Generous: under a parallel ctest on two cores three instances can take a while to start.
    servers = await Promise.all([0, 1, 2].map(() => startServerOn(db.url, { readyTimeoutMs: 30_000 })));
    const count = Number(await psql(db.url, "SELECT count(*) FROM schema_migrations"));
    const max = Number(await psql(db.url, "SELECT max(version) FROM schema_migrations"));
    assert.ok(count >= 1, `schema_migrations has ${count} rows`);
    assert.equal(count, max, "one row per version 1..N");
    // Exactly one instance applied them; the other two found them applied.
    const applied = servers.map((s) => Number(s.logs().match(/applied (\d+) migration/)?.[1] ?? 0));
    assert.deepEqual(applied.filter((n) => n > 0), [count], `migrations applied per instance: ${applied}`);
    const again = await cli(["migrate", "--json"], { database: db.url });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.json.applied_now, 0);
    assert.equal(Number(await psql(db.url, "SELECT count(*) FROM schema_migrations")), count);

    const created = await cli(["project", "create", "--name", "multi-instance", "--json"], { database: db.url });
    assert.equal(created.code, 0, created.stderr);
    project = created.json;
    const enabled = await cli(["integration", "enable", "--project", project.project_id, "--provider", "demohris", "--json"],
      { database: db.url });
    assert.equal(enabled.code, 0, enabled.stderr);
    console.log(`# 3 instances ready and migrated in ${Date.now() - t0} ms`);
  });

  test("a session created on one instance completes on another; its spent token is refused on every instance", async (t) => {
    if (!needSetup(t)) return;
    const [a, b, c] = servers;
    const token = await newSession(a, "owner-cross");
    const conns = await http(b, "GET", "/hub/connectors", { headers: { "x-hub-session-token": token } });
    assert.equal(conns.status, 200, conns.text);
    integrationId = conns.json.integrations.find((i) => i.provider === "demohris")?.integration_id;
    assert.ok(integrationId, `demohris in ${conns.text}`);
    const done = await complete(c, token);
    assert.equal(done.status, 201, done.text);
    for (const s of servers) {
      const again = await complete(s, token);
      assert.equal(again.status, 401, `spent token on ${s.url}: ${again.status} ${again.text}`);
    }
    const listed = await accountsOf(a, "owner-cross");
    assert.deepEqual(listed.map((x) => x.id), [done.json.id]);
  });

  test("200 concurrent completions for one key with multiple=false make exactly one account", async (t) => {
    if (!needSetup(t) || !integrationId) return t.skip("no integration id");
    const t0 = Date.now();
    const tokens = await pool(200, 30, () => newSession(next(), "owner-single"));
    const t1 = Date.now();
    const results = await Promise.all(tokens.map((t) => complete(next(), t)));
    const t2 = Date.now();
    const statuses = results.map((r) => r.status);
    assert.deepEqual(statuses.filter((s) => s >= 300), [], `non-2xx answers: ${results.filter((r) => r.status >= 300).map((r) => r.text).slice(0, 3)}`);
    assert.equal(statuses.filter((s) => s === 201).length, 1, "one creation, then updates");
    const ids = new Set(results.map((r) => r.json.id));
    assert.equal(ids.size, 1);
    const listed = await accountsOf(servers[0], "owner-single");
    assert.equal(listed.length, 1);
    assert.equal(listed[0].id, [...ids][0]);
    console.log(`# multiple=false: 200 sessions in ${t1 - t0} ms, 200 concurrent completions in ${t2 - t1} ms`);
  });

  test("200 concurrent completions with multiple=true make 200 accounts", async (t) => {
    if (!needSetup(t) || !integrationId) return t.skip("no integration id");
    const t0 = Date.now();
    const tokens = await pool(200, 30, () => newSession(next(), "owner-multi", { multiple: true }));
    const t1 = Date.now();
    const results = await Promise.all(tokens.map((t) => complete(next(), t)));
    const t2 = Date.now();
    assert.deepEqual(results.filter((r) => r.status !== 201).map((r) => `${r.status} ${r.text}`), []);
    const ids = new Set(results.map((r) => r.json.id));
    assert.equal(ids.size, 200);
    const listed = await accountsOf(servers[1], "owner-multi");
    assert.equal(listed.length, 200);
    assert.deepEqual(new Set(listed.map((a) => a.id)), ids);
    console.log(`# multiple=true: 200 sessions in ${t1 - t0} ms, 200 concurrent completions in ${t2 - t1} ms`);
  });

  test("SIGKILL of one instance under load: the others keep serving and every 2xx completion is stored", async (t) => {
    if (!needSetup(t) || !integrationId) return t.skip("no integration id");
    const t0 = Date.now();
    const N = 150;
    const victim = servers[2];
    const tokens = await pool(N, 30, () => newSession(next(), "owner-kill", { multiple: true }));
    let answered = 0;
    let killedAt = null;
    const ok = new Set(); // account ids of 2xx answers
    let unknownThenSpent = 0; // request to the victim lost, token then found spent: it committed there
    let victimLost = 0;
    await pool(N, 24, async (i) => {
      const target = servers[i % 3];
      let res;
      try {
        res = await complete(target, tokens[i]);
      } catch (e) {
        // Only the killed instance may fail to answer. A load balancer would retry elsewhere.
        assert.equal(target, victim, `instance ${target.url} failed: ${e.message}`);
        victimLost++;
        res = await complete(servers[i % 2], tokens[i]);
        if (res.status === 401) {
          unknownThenSpent++;
          return;
        }
      }
      answered++;
      if (answered === 40 && !killedAt) {
        killedAt = Date.now();
        victim.kill("SIGKILL");
      }
      assert.ok(res.status === 201, `completion via ${target.url}: ${res.status} ${res.text}`);
      ok.add(res.json.id);
    });
    assert.ok(killedAt, "the instance was killed during the load");
    await victim.kill("SIGKILL");
    assert.equal(victim.exited.signal, "SIGKILL");
    // The survivors still serve.
    const after = await complete(servers[0], await newSession(servers[1], "owner-kill", { multiple: true }));
    assert.equal(after.status, 201, after.text);
    ok.add(after.json.id);
    const listed = await accountsOf(servers[1], "owner-kill");
    const stored = new Set(listed.map((a) => a.id));
    for (const id of ok) assert.ok(stored.has(id), `account ${id} was acknowledged but is not stored`);
    // Exactly once: nothing beyond the acknowledged ones and those the victim committed before dying.
    assert.equal(stored.size, ok.size + unknownThenSpent);
    console.log(`# kill test: ${ok.size} acknowledged, ${victimLost} lost with the victim ` +
      `(${unknownThenSpent} of them had committed), ${Date.now() - t0} ms`);
    servers = servers.filter((s) => s !== victim);
    await victim.stop();
  });
});
