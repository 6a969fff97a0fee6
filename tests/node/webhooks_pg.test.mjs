// Webhooks with PostgreSQL and two instances sharing the delivery work: every account change is
// delivered, and none twice while the receiver answers 2xx.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cli, http, TEST_ENCRYPTION_KEY } from "./lib/harness.mjs";
import { pgUrl, createDatabase, startServerOn } from "./lib/pg.mjs";
import { startReceiver } from "./lib/receiver.mjs";

const CLUSTER = pgUrl();
const ENV = { CONNECTHUB_WEBHOOK_ALLOW_PRIVATE: "1" };

describe("webhooks on PostgreSQL with two instances", {
  skip: CLUSTER ? false : "CONNECTHUB_TEST_PG_URL is not set",
}, () => {
  let db, servers = [], receiver, project, integrationId;

  before(async () => {
    db = await createDatabase(CLUSTER);
    receiver = await startReceiver();
    servers = await Promise.all([0, 1].map(() => startServerOn(db.url, { env: ENV, readyTimeoutMs: 30_000 })));
    project = (await cli(["project", "create", "--name", "webhooks-pg", "--json"], { database: db.url })).json;
    await cli(["integration", "enable", "--project", project.project_id, "--provider", "demohris", "--json"], { database: db.url });
    const hook = await cli(["webhook", "add", "--project", project.project_id, "--url", `${receiver.url}/pg`, "--json"],
      { database: db.url, env: { ...ENV, CONNECTHUB_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY } });
    assert.equal(hook.code, 0, hook.stderr);
    receiver.state.secrets.push(hook.json.secret);
  });

  after(async () => {
    await Promise.allSettled(servers.map((s) => s.stop()));
    await receiver?.close();
    await db?.drop();
  });

  test("500 account changes make 500 deliveries, none duplicated", { timeout: 180_000 }, async () => {
    // 250 links (account.created) and 250 label changes (account.updated), spread over both instances.
    const N = 250;
    let i = 0;
    const ids = [];
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (i < N) {
        const k = i++;
        const server = servers[k % 2];
        const s = await http(server, "POST", "/connect_sessions", {
          auth: project.api_key, body: { origin_owner_id: `pgw-${k}`, origin_owner_name: "Acme", provider: "demohris" } });
        assert.equal(s.status, 201, s.text);
        if (!integrationId) {
          integrationId = (await http(server, "GET", "/hub/connectors", { headers: { "x-hub-session-token": s.json.token } }))
            .json.integrations[0].integration_id;
        }
        const r = await http(servers[(k + 1) % 2], "POST", "/hub/accounts", {
          headers: { "x-hub-session-token": s.json.token },
          body: { integration_id: integrationId, credentials: { company: "acme", api_key: "abcdefgh12" } } });
        assert.equal(r.status, 201, r.text);
        const p = await http(server, "PATCH", `/accounts/${r.json.id}`, { auth: project.api_key, body: { label: `l-${k}` } });
        assert.equal(p.status, 200, p.text);
        ids.push(r.json.id);
      }
    }));
    await receiver.waitFor((st) => st.events.length >= 2 * N, { timeoutMs: 120_000, what: "500 deliveries" });
    await new Promise((r) => setTimeout(r, 2000)); // a duplicate would show up now
    const events = receiver.state.events;
    assert.equal(events.length, 2 * N, `deliveries: ${events.length}`);
    assert.equal(new Set(events.map((e) => e.id)).size, 2 * N, "no webhook-id delivered twice");
    for (const id of ids) {
      const mine = events.filter((e) => e.payload.data.id === id).map((e) => e.payload.type);
      assert.deepEqual(mine, ["account.created", "account.updated"], `order for ${id}`);
    }
  });
});
