// Black-box tests of GET /connectors/meta and GET /connectors/meta/{provider} (SDK and raw HTTP),
// the integration admin CLI they depend on, and the generic routes (/healthz, /readyz, 404, 405).
// Contract: /work/shared/DESIGN.md sections 2, 3 and 9, notes/stackone-api.md sections 1, 4, 7.

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  NotFoundResponse,
  UnauthorizedResponse,
} from "@stackone/stackone-client-ts/sdk/models/errors/index.js";
import {
  startServer, createProject, enable, disable, listIntegrations, sdk, http, basic,
  expectError, expectJson, CATEGORIES,
} from "./lib/harness.mjs";

// Catalog entries the server must ship (it may ship more).
const CATALOG = {
  bamboohr: "hris",
  greenhouse: "ats",
  workday: "hris",
  hubspot: "crm",
  jira: "ticketing",
  demohris: "hris",
};
const INCLUDE = "field_path,unmapped_fields,resources,inactive,webhooks,static_fields";

describe("connectors meta", () => {
  let server;
  let A; // bamboohr + jira enabled
  let B; // nothing enabled
  const secrets = new Set();

  before(async () => {
    server = await startServer();
    A = await createProject(server, "meta-project-a");
    B = await createProject(server, "meta-project-b");
    secrets.add(A.api_key);
    secrets.add(B.api_key);
    await enable(server, A.project_id, "bamboohr");
    await enable(server, A.project_id, "jira");
  });

  after(async () => {
    await server?.stop();
  });

  const activeIn = (list) =>
    Object.fromEntries(list.map((m) => [m.provider, m.active]));

  /** Raw-shape checks on one ConnectorsMeta object (wire names). */
  function checkRawMeta(m) {
    const ctx = JSON.stringify(m);
    assert.equal(typeof m.provider, "string", ctx);
    assert.ok(m.provider.length > 0, ctx);
    assert.equal(typeof m.provider_name, "string", ctx);
    assert.ok(m.provider_name.length > 0, `provider_name non-empty: ${ctx}`);
    assert.equal(typeof m.category, "string", ctx);
    assert.ok(CATEGORIES.includes(m.category), `category ${m.category} is a StackOne category: ${ctx}`);
    assert.ok(m.models && typeof m.models === "object" && !Array.isArray(m.models), `models is an object: ${ctx}`);
    assert.equal(typeof m.active, "boolean", `active is a boolean: ${ctx}`);
    assert.equal(typeof m.resources?.images?.logo_url, "string", `resources.images.logo_url: ${ctx}`);
    assert.ok(m.resources.images.logo_url.length > 0, ctx);
    if (CATALOG[m.provider]) assert.equal(m.category, CATALOG[m.provider], `category of ${m.provider}`);
  }

  // ---------------------------------------------------------------------------------------------
  describe("CLI: integration enable/disable/list", () => {
    test("a new project has nothing enabled", async () => {
      const list = await listIntegrations(server, B.project_id);
      assert.ok(Array.isArray(list), `integration list prints an array: ${JSON.stringify(list)}`);
      assert.equal(list.filter((i) => i.enabled === true).length, 0, JSON.stringify(list));
    });

    test("integration list shows what is enabled", async () => {
      const list = await listIntegrations(server, A.project_id);
      assert.ok(Array.isArray(list));
      for (const i of list) {
        assert.ok(Object.hasOwn(i, "integration_id"), JSON.stringify(i));
        assert.equal(typeof i.provider, "string");
        assert.equal(typeof i.enabled, "boolean");
        assert.ok(Object.hasOwn(i, "settings"), JSON.stringify(i));
      }
      const enabled = list.filter((i) => i.enabled).map((i) => i.provider).sort();
      assert.deepEqual(enabled, ["bamboohr", "jira"]);
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe("through the official SDK", () => {
    test("listConnectorsMeta: every catalog provider, active only where enabled", async () => {
      const res = await sdk(server, A.api_key).connectors.listConnectorsMeta({});
      assert.equal(res.statusCode, 200);
      const list = res.classes;
      assert.ok(Array.isArray(list), "res.classes is an array");
      const byProvider = Object.fromEntries(list.map((m) => [m.provider, m]));
      for (const [p, cat] of Object.entries(CATALOG)) {
        const m = byProvider[p];
        assert.ok(m, `${p} is listed`);
        assert.equal(m.category, cat, `${p} category`);
        assert.equal(typeof m.providerName, "string");
        assert.ok(m.providerName.length > 0);
        assert.equal(typeof m.models, "object");
        assert.equal(typeof m.resources?.images?.logoUrl, "string", `${p} logoUrl`);
        assert.equal(m.active, p === "bamboohr" || p === "jira", `${p} active`);
      }
      for (const m of list) {
        if (!CATALOG[m.provider]) assert.equal(m.active, false, `${m.provider} is not enabled`);
      }
    });

    test("listConnectorsMeta with include", async () => {
      const res = await sdk(server, A.api_key).connectors.listConnectorsMeta({ include: INCLUDE });
      assert.equal(res.statusCode, 200);
      assert.ok(res.classes.some((m) => m.provider === "bamboohr" && m.active === true));
    });

    test("getConnectorMeta: enabled and not-enabled providers", async () => {
      const client = sdk(server, A.api_key);
      const r1 = await client.connectors.getConnectorMeta({ provider: "bamboohr" });
      assert.equal(r1.statusCode, 200);
      assert.equal(r1.connectorsMeta.provider, "bamboohr");
      assert.equal(r1.connectorsMeta.category, "hris");
      assert.equal(r1.connectorsMeta.active, true);
      assert.ok(r1.connectorsMeta.providerName.length > 0);
      const r2 = await client.connectors.getConnectorMeta({ provider: "workday", include: INCLUDE });
      assert.equal(r2.connectorsMeta.provider, "workday");
      assert.equal(r2.connectorsMeta.active, false);
    });

    test("getConnectorMeta for an unknown provider → NotFoundResponse", async () => {
      await assert.rejects(
        sdk(server, A.api_key).connectors.getConnectorMeta({ provider: "nosuchprovider" }),
        (err) => {
          assert.ok(err instanceof NotFoundResponse, `got ${err?.name}: ${err?.message}`);
          assert.equal(err.statusCode, 404);
          return true;
        },
      );
    });

    test("a wrong API key → UnauthorizedResponse", async () => {
      const bad = sdk(server, "sk_this_is_not_a_key");
      for (const call of [
        () => bad.connectors.listConnectorsMeta({}),
        () => bad.connectors.getConnectorMeta({ provider: "bamboohr" }),
      ]) {
        await assert.rejects(call(), (err) => {
          assert.ok(err instanceof UnauthorizedResponse, `got ${err?.name}: ${err?.message}`);
          assert.equal(err.statusCode, 401);
          return true;
        });
      }
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe("raw HTTP", () => {
    test("GET /connectors/meta → 200, bare array of well-formed entries, one per provider", async () => {
      const list = expectJson(await http(server, "GET", "/connectors/meta", { auth: A.api_key }), 200);
      assert.ok(Array.isArray(list), "bare JSON array");
      for (const m of list) checkRawMeta(m);
      const providers = list.map((m) => m.provider);
      assert.equal(new Set(providers).size, providers.length, `no duplicates: ${providers}`);
      for (const p of Object.keys(CATALOG)) assert.ok(providers.includes(p), `${p} listed`);
      const active = activeIn(list);
      assert.equal(active.bamboohr, true);
      assert.equal(active.jira, true);
      for (const p of ["greenhouse", "workday", "hubspot", "demohris"]) assert.equal(active[p], false, p);
    });

    test("include query is accepted (encoded as the SDK does)", async () => {
      const q = encodeURIComponent(INCLUDE);
      const list = expectJson(await http(server, "GET", `/connectors/meta?include=${q}`, { auth: A.api_key }), 200);
      assert.ok(Array.isArray(list));
      for (const p of Object.keys(CATALOG)) assert.ok(list.some((m) => m.provider === p), p);
      const one = expectJson(
        await http(server, "GET", `/connectors/meta/bamboohr?include=${q}`, { auth: A.api_key }),
        200,
      );
      assert.equal(one.provider, "bamboohr");
    });

    test("GET /connectors/meta/{provider} → the same object as in the list", async () => {
      const list = expectJson(await http(server, "GET", "/connectors/meta", { auth: A.api_key }), 200);
      for (const p of ["bamboohr", "workday"]) {
        const one = expectJson(await http(server, "GET", `/connectors/meta/${p}`, { auth: A.api_key }), 200);
        assert.ok(!Array.isArray(one));
        checkRawMeta(one);
        assert.deepEqual(one, list.find((m) => m.provider === p));
      }
    });

    test("unknown provider → 404", async () => {
      expectError(await http(server, "GET", "/connectors/meta/nosuchprovider", { auth: A.api_key }), 404);
      expectError(await http(server, "GET", "/connectors/meta/no%20such%2Fprovider", { auth: A.api_key }), 404);
    });

    test("active is per project: project B sees everything inactive", async () => {
      const list = expectJson(await http(server, "GET", "/connectors/meta", { auth: B.api_key }), 200);
      assert.ok(list.length >= Object.keys(CATALOG).length);
      for (const m of list) assert.equal(m.active, false, `${m.provider} inactive for B`);
      const one = expectJson(await http(server, "GET", "/connectors/meta/bamboohr", { auth: B.api_key }), 200);
      assert.equal(one.active, false);
    });

    test("disabling an integration makes it inactive; enabling makes it active", async () => {
      await disable(server, A.project_id, "jira");
      let one = expectJson(await http(server, "GET", "/connectors/meta/jira", { auth: A.api_key }), 200);
      assert.equal(one.active, false, "jira inactive after disable");
      const list = await listIntegrations(server, A.project_id);
      assert.ok(!list.some((i) => i.provider === "jira" && i.enabled), JSON.stringify(list));
      await enable(server, A.project_id, "jira");
      one = expectJson(await http(server, "GET", "/connectors/meta/jira", { auth: A.api_key }), 200);
      assert.equal(one.active, true, "jira active after re-enable");
    });

    for (const path of ["/connectors/meta", "/connectors/meta/bamboohr"]) {
      test(`GET ${path} without auth, with a wrong key, with Bearer → 401`, async () => {
        expectError(await http(server, "GET", path), 401);
        expectError(await http(server, "GET", path, { headers: { authorization: basic("sk_nope") } }), 401);
        expectError(
          await http(server, "GET", path, { headers: { authorization: `Bearer ${A.api_key}` } }),
          401,
        );
      });
    }
  });

  // ---------------------------------------------------------------------------------------------
  describe("generic routes", () => {
    test("GET /healthz → 200 {status: ok}", async () => {
      const j = expectJson(await http(server, "GET", "/healthz"), 200);
      assert.equal(j.status, "ok");
    });

    test("GET /readyz → 200", async () => {
      const res = await http(server, "GET", "/readyz");
      assert.equal(res.status, 200, res.text);
    });

    test("unknown path → 404 JSON", async () => {
      expectError(await http(server, "GET", "/no/such/route", { auth: A.api_key }), 404);
    });

    test("wrong method on a known path → 405 JSON", async () => {
      expectError(await http(server, "DELETE", "/connectors/meta", { auth: A.api_key }), 405);
      expectError(await http(server, "PUT", "/connectors/meta/bamboohr", { auth: A.api_key, body: {} }), 405);
      expectError(await http(server, "GET", "/connect_sessions", { auth: A.api_key }), 405);
      expectError(await http(server, "GET", "/connect_sessions/authenticate", { auth: A.api_key }), 405);
    });
  });

  test("the server log never contains an API key", () => {
    const log = server.logs();
    for (const s of secrets) {
      assert.ok(!log.includes(s), `server log contains a secret (${s.slice(0, 6)}…)`);
    }
  });
});
