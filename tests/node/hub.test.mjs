// Black-box tests of the hub API (/hub/*), the upsert rules and credential protection.
// Requests replay what @stackone/hub@1.11.4 sends (headers x-hub-session-token, x-hub-version,
// content-type). BambooHR's credential check is answered by lib/fake_provider.mjs.
// Contract: /work/shared/DESIGN.md sections 2, 3, 5, 6, 7; notes/stackone-api.md section 8.2.

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { once } from "node:events";
import net from "node:net";
import {
  startServer, createProject, enable, disable, http, httpNode, expectError, expectJson, sleep,
} from "./lib/harness.mjs";
import {
  hubCall, createSession, demoCreds, rand, completeSession, linkAccount,
} from "./lib/hub.mjs";
import { startFakeProvider } from "./lib/fake_provider.mjs";

const hex40 = () => randomBytes(20).toString("hex");
const GOOD_KEY = hex40(); // the BambooHR key the fake provider accepts
const BAD_KEY = hex40(); // a well-formed key it rejects
const basicOf = (user, pass) => "Basic " + Buffer.from(`${user}:${pass}`).toString("base64");

describe("hub API", () => {
  let server;
  let fake;
  let A; // demohris, bamboohr (→ fake), greenhouse, hubspot, jira enabled; workday enabled then disabled
  let B; // another project: demohris enabled
  const int = {}; // provider → integration_id in A
  let intB; // demohris in B
  const secrets = new Set(); // tokens, API keys and credential values: never in logs or the database

  const owner = (tag) => ({ origin_owner_id: `owner-${tag}-${rand()}`, origin_owner_name: `Owner ${tag}` });
  const remember = (obj) => {
    for (const v of Object.values(obj)) secrets.add(v);
    return obj;
  };
  const creds = () => remember(demoCreds());
  const bambooCreds = (api_key = GOOD_KEY) => {
    const c = { subdomain: `acme-${rand()}`, api_key };
    secrets.add(c.subdomain);
    return c;
  };

  async function session(body, key = A.api_key) {
    const s = await createSession(server, key, body);
    secrets.add(s.token);
    return s;
  }
  const H = (token, method, path, body, opts) => hubCall(server, token, method, path, body, opts);
  async function accountsOf(ownerId, key = A.api_key) {
    const res = await http(server, "GET", `/accounts?origin_owner_id=${encodeURIComponent(ownerId)}&page_size=1000`, { auth: key });
    return expectJson(res, 200);
  }
  async function getAccount(id, key = A.api_key) {
    return expectJson(await http(server, "GET", `/accounts/${encodeURIComponent(id)}`, { auth: key }), 200);
  }
  /** New demohris account for `o` (an owner object); returns its id. */
  async function linkDemo(o, extra = {}, c = creds()) {
    const { session: s, res } = await completeSession(server, A.api_key, { ...o, provider: "demohris", ...extra }, int.demohris, c);
    secrets.add(s.token);
    const j = expectJson(res, 201);
    return j.id;
  }
  /** GET /hub/accounts/{id} through an edit session; returns the body. */
  async function hubView(ownerObj, accountId) {
    const s = await session({ ...ownerObj, account_id: accountId });
    return expectJson(await H(s.token, "GET", `/hub/accounts/${accountId}`), 200);
  }
  const noExisting = (settings) =>
    assert.ok(settings.existing_account_id == null, `no existing_account_id: ${JSON.stringify(settings)}`);

  before(async () => {
    fake = await startFakeProvider({ acceptKey: GOOD_KEY });
    server = await startServer({ env: { CONNECTHUB_VERIFY_ALLOW_PRIVATE: "1" } });
    A = await createProject(server, "hub-a");
    B = await createProject(server, "hub-b");
    secrets.add(A.api_key);
    secrets.add(B.api_key);
    int.demohris = (await enable(server, A.project_id, "demohris")).integration_id;
    int.bamboohr = (await enable(server, A.project_id, "bamboohr", { base_url: fake.url })).integration_id;
    int.greenhouse = (await enable(server, A.project_id, "greenhouse")).integration_id;
    int.hubspot = (await enable(server, A.project_id, "hubspot")).integration_id;
    int.jira = (await enable(server, A.project_id, "jira")).integration_id;
    int.workday = (await enable(server, A.project_id, "workday")).integration_id;
    await disable(server, A.project_id, "workday");
    intB = (await enable(server, B.project_id, "demohris")).integration_id;
    for (const [p, id] of Object.entries(int)) assert.equal(typeof id, "string", `integration_id of ${p}`);
  });

  after(async () => {
    await server?.stop();
    await fake?.stop();
  });

  // ---------------------------------------------------------------------------------------------
  describe("the request sequences of @stackone/hub 1.11.4", () => {
    test("new account: connectors, settings, connector config, POST → 201 {id, provider}", async () => {
      const o = owner("seq-new");
      const s = await session({ ...o, provider: "demohris" });

      // 1. GET /hub/connectors: exactly one active integration, so the hub auto-selects it.
      const conns = expectJson(await H(s.token, "GET", "/hub/connectors"), 200);
      assert.ok(Array.isArray(conns.integrations), JSON.stringify(conns));
      assert.equal(conns.integrations.length, 1, JSON.stringify(conns));
      const i = conns.integrations[0];
      assert.equal(i.active, true);
      assert.equal(typeof i.name, "string");
      assert.ok(i.name.length > 0);
      assert.equal(i.provider, "demohris");
      assert.equal(i.type, "hris");
      assert.equal(typeof i.version, "string");
      assert.equal(typeof i.authentication_config_key, "string");
      assert.equal(typeof i.environment, "string");
      assert.equal(i.integration_id, int.demohris);
      assert.equal(typeof i.logo_url, "string");
      const logo = await fetch(i.logo_url);
      assert.equal(logo.status, 200, `logo_url ${i.logo_url} is served`);
      await logo.arrayBuffer();

      // 2. GET /hub/settings: no account yet, so no edit mode.
      const settings = expectJson(await H(s.token, "GET", "/hub/settings"), 200);
      assert.ok(Array.isArray(settings.enabled_features), JSON.stringify(settings));
      noExisting(settings);
      // For our page's frame-ancestors check: the project and who may frame it (none set: anyone).
      assert.equal(settings.project_id, A.project_id);
      assert.deepEqual(settings.allowed_origins, []);

      // 3. GET /hub/connectors/{integration_id}
      const cfg = expectJson(await H(s.token, "GET", `/hub/connectors/${i.integration_id}`), 200);
      assert.equal(cfg.config.key, "demohris");
      assert.equal(typeof cfg.config.name, "string");
      assert.equal(cfg.config.type, "custom");
      assert.ok(Array.isArray(cfg.config.configFields));
      const byKey = Object.fromEntries(cfg.config.configFields.map((f) => [f.key, f]));
      assert.deepEqual(Object.keys(byKey).sort(), ["api_key", "company"]);
      for (const f of cfg.config.configFields) {
        assert.equal(typeof f.label, "string", JSON.stringify(f));
        assert.ok(["text", "password", "number", "select", "text_area"].includes(f.type), JSON.stringify(f));
        assert.equal(typeof f.required, "boolean", JSON.stringify(f));
        assert.equal(typeof f.secret, "boolean", JSON.stringify(f));
        assert.equal(typeof f.readOnly, "boolean", JSON.stringify(f));
        assert.equal(typeof f.placeholder, "string", JSON.stringify(f));
        if (f.validation !== undefined) {
          assert.equal(f.validation.type, "html-pattern", JSON.stringify(f));
          assert.equal(typeof f.validation.pattern, "string", JSON.stringify(f));
          new RegExp(f.validation.pattern, "v"); // the browser compiles it with the v flag
        }
      }
      assert.equal(byKey.api_key.secret, true);
      assert.equal(byKey.api_key.required, true);
      assert.equal(byKey.company.secret, false);
      assert.deepEqual(cfg.hub_settings, { configured_webhook_events: {}, project_settings: {} });

      // 4. POST /hub/accounts
      const c = creds();
      const res = await H(s.token, "POST", "/hub/accounts", { integration_id: i.integration_id, credentials: c });
      const made = expectJson(res, 201);
      assert.equal(typeof made.id, "string");
      assert.equal(made.provider, "demohris");
      assert.ok(!res.text.includes(c.api_key), "the secret is not echoed");

      const acc = await getAccount(made.id);
      assert.equal(acc.provider, "demohris");
      assert.equal(acc.origin_owner_id, o.origin_owner_id);
      assert.equal(acc.origin_owner_name, o.origin_owner_name);
      assert.equal(acc.status, "active");
      assert.equal(acc.integration_id, int.demohris);
      assert.ok(!Object.hasOwn(acc, "credentials"), "accounts never carry credentials");
      assert.ok(!JSON.stringify(acc).includes(c.api_key));
    });

    test("new account from a session without provider: the hub lists every enabled integration", async () => {
      const o = owner("seq-any");
      const s = await session({ ...o });
      const conns = expectJson(await H(s.token, "GET", "/hub/connectors"), 200);
      const demo = conns.integrations.find((x) => x.provider === "demohris");
      assert.ok(demo, JSON.stringify(conns));
      noExisting(expectJson(await H(s.token, "GET", "/hub/settings"), 200));
      expectJson(await H(s.token, "GET", `/hub/connectors/${demo.integration_id}`), 200);
      const made = expectJson(
        await H(s.token, "POST", "/hub/accounts", { integration_id: demo.integration_id, credentials: creds() }), 201);
      assert.equal(made.provider, "demohris");
      assert.equal((await accountsOf(o.origin_owner_id)).length, 1);
    });

    test("edit mode (account_id): camelCase account, settings, filtered connectors, PATCH keeps the left-out secret", async () => {
      const o = owner("seq-edit");
      const c0 = bambooCreds();
      const id = await linkAccount(server, A.api_key, { ...o, provider: "bamboohr" }, int.bamboohr, c0);
      const s = await session({ ...o, account_id: id });

      // 1. GET /hub/accounts/{id}
      const res = await H(s.token, "GET", `/hub/accounts/${id}`);
      const acc = expectJson(res, 200);
      assert.equal(acc.provider, "bamboohr");
      assert.equal(acc.integrationId, int.bamboohr);
      assert.equal(typeof acc.version, "string");
      assert.deepEqual(acc.setupInformation, { subdomain: c0.subdomain });
      assert.ok(acc.secrets && typeof acc.secrets === "object", JSON.stringify(acc));
      assert.deepEqual(Object.keys(acc.secrets), ["api_key"]);
      assert.equal(typeof acc.secrets.api_key, "string");
      assert.notEqual(acc.secrets.api_key, GOOD_KEY);
      assert.ok(!res.text.includes(GOOD_KEY), "the secret is never returned");

      // 2. GET /hub/settings → edit mode for this account
      const settings = expectJson(await H(s.token, "GET", "/hub/settings"), 200);
      assert.equal(settings.existing_account_id, id);
      assert.ok(Array.isArray(settings.enabled_features));

      // 3. GET /hub/connectors?provider=bamboohr
      const conns = expectJson(await H(s.token, "GET", `/hub/connectors?provider=${acc.provider}`), 200);
      assert.deepEqual(conns.integrations.map((x) => x.integration_id), [int.bamboohr]);

      // 4. GET /hub/connectors/{integration_id}, fetched twice
      for (let k = 0; k < 2; k++) {
        const cfg = expectJson(await H(s.token, "GET", `/hub/connectors/${int.bamboohr}`), 200);
        assert.equal(cfg.config.key, "bamboohr");
      }

      // 5. PATCH with only the non-secret field: the stored key is used for the provider check.
      fake.clear();
      const newSub = `acme-${rand()}`;
      secrets.add(newSub);
      const patched = expectJson(
        await H(s.token, "PATCH", `/hub/accounts/${id}`, { integration_id: int.bamboohr, credentials: { subdomain: newSub } }),
        200,
      );
      assert.equal(patched.id, id);
      assert.equal(patched.provider, "bamboohr");
      assert.equal(fake.requests.length, 1, `one provider check: ${JSON.stringify(fake.requests)}`);
      assert.equal(fake.requests[0].path, "/meta/fields");
      assert.equal(fake.requests[0].authorization, basicOf(GOOD_KEY, "x"), "the stored API key was kept and used");

      // The token is spent; a fresh edit session sees the new non-secret value and still a secret.
      expectError(await H(s.token, "GET", `/hub/accounts/${id}`), 401);
      const view = await hubView(o, id);
      assert.deepEqual(view.setupInformation, { subdomain: newSub });
      assert.deepEqual(Object.keys(view.secrets), ["api_key"]);
      assert.equal((await accountsOf(o.origin_owner_id)).length, 1);
    });

    test("edit mode: the placeholder sent back unchanged keeps the stored secret", async () => {
      const o = owner("seq-placeholder");
      const c0 = bambooCreds();
      const id = await linkAccount(server, A.api_key, { ...o, provider: "bamboohr" }, int.bamboohr, c0);
      const s = await session({ ...o, account_id: id });
      const acc = expectJson(await H(s.token, "GET", `/hub/accounts/${id}`), 200);
      fake.clear();
      expectJson(await H(s.token, "PATCH", `/hub/accounts/${id}`, {
        integration_id: int.bamboohr,
        credentials: { subdomain: c0.subdomain, api_key: acc.secrets.api_key },
      }), 200);
      assert.equal(fake.requests.length, 1);
      assert.equal(fake.requests[0].authorization, basicOf(GOOD_KEY, "x"));
    });

    test("edit mode opened by existing_account_id (provider session, multiple=false)", async () => {
      const o = owner("seq-existing");
      const id = await linkDemo(o);
      const s = await session({ ...o, provider: "demohris" });
      const settings = expectJson(await H(s.token, "GET", "/hub/settings"), 200);
      assert.equal(settings.existing_account_id, id);
      const acc = expectJson(await H(s.token, "GET", `/hub/accounts/${id}`), 200);
      assert.equal(acc.provider, "demohris");
      assert.equal(acc.integrationId, int.demohris);
      const conns = expectJson(await H(s.token, "GET", "/hub/connectors?provider=demohris"), 200);
      assert.deepEqual(conns.integrations.map((x) => x.integration_id), [int.demohris]);
      const company = `co-${rand()}`;
      secrets.add(company);
      const res = expectJson(
        await H(s.token, "PATCH", `/hub/accounts/${id}`, { integration_id: int.demohris, credentials: { company } }), 200);
      assert.equal(res.id, id);
      assert.deepEqual((await hubView(o, id)).setupInformation, { company });
      assert.equal((await accountsOf(o.origin_owner_id)).length, 1);
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe("CORS", () => {
    const ORIGIN = "https://app.customer.example";
    const preflight = (path, method = "POST") =>
      httpNode(server, "OPTIONS", path, {
        headers: {
          origin: ORIGIN,
          "access-control-request-method": method,
          "access-control-request-headers": "content-type,x-hub-session-token,x-hub-version",
        },
      });
    const allowsOrigin = (h) => h["access-control-allow-origin"] === "*" || h["access-control-allow-origin"] === ORIGIN;

    for (const [path, method] of [
      ["/hub/accounts", "POST"],
      ["/hub/accounts/acc_whatever", "PATCH"],
      ["/hub/settings", "GET"],
      ["/hub/connectors", "GET"],
      ["/hub/connectors/int_whatever", "GET"],
    ]) {
      test(`preflight OPTIONS ${path} (${method}) → 204 with the allow headers`, async () => {
        const res = await preflight(path, method);
        assert.equal(res.status, 204, `status ${res.status}: ${res.text}`);
        const h = res.headers;
        assert.ok(allowsOrigin(h), `access-control-allow-origin: ${h["access-control-allow-origin"]}`);
        const allowHeaders = String(h["access-control-allow-headers"] ?? "").toLowerCase().split(/\s*,\s*/);
        for (const want of ["content-type", "x-hub-session-token", "x-hub-version"]) {
          assert.ok(allowHeaders.includes(want) || allowHeaders.includes("*"), `allow-headers has ${want}: ${h["access-control-allow-headers"]}`);
        }
        const methods = String(h["access-control-allow-methods"] ?? "").toUpperCase().split(/\s*,\s*/);
        for (const m of ["GET", "POST", "PATCH"]) assert.ok(methods.includes(m), `allow-methods has ${m}: ${h["access-control-allow-methods"]}`);
        assert.equal(res.text, "", "a preflight has no body");
      });
    }

    test("hub responses (200, 201, 4xx) carry Access-Control-Allow-Origin", async () => {
      const s = await session({ ...owner("cors"), provider: "demohris" });
      const o = { origin: ORIGIN };
      const responses = [
        await H(s.token, "GET", "/hub/settings", undefined, { headers: o }),
        await H(s.token, "GET", "/hub/connectors", undefined, { headers: o }),
        await H(s.token, "GET", `/hub/connectors/${int.demohris}`, undefined, { headers: o }),
        await H(s.token, "POST", "/hub/accounts", { integration_id: int.demohris, credentials: {} }, { headers: o }), // 400
        await H(s.token, "GET", "/hub/accounts/acc_nope", undefined, { headers: o }), // 403
        await H(undefined, "GET", "/hub/settings", undefined, { headers: o }), // 401
        await H(s.token, "POST", "/hub/accounts", { integration_id: int.demohris, credentials: creds() }, { headers: o }), // 201
      ];
      assert.deepEqual(responses.map((r) => r.status), [200, 200, 200, 400, 403, 401, 201]);
      for (const r of responses) assert.ok(allowsOrigin(r.headers), `status ${r.status}: ${JSON.stringify(r.headers)}`);
    });

    test("no Access-Control-Allow-Origin on /connect_sessions or /accounts (not callable from browsers)", async () => {
      const o = { origin: ORIGIN };
      const rs = [
        await http(server, "POST", "/connect_sessions", { auth: A.api_key, headers: o, body: owner("cors2") }),
        await http(server, "GET", "/accounts", { auth: A.api_key, headers: o }),
        await http(server, "GET", "/accounts/acc_nope", { auth: A.api_key, headers: o }),
        await http(server, "GET", "/accounts", { headers: o }),
      ];
      assert.deepEqual(rs.map((r) => r.status), [201, 200, 404, 401]);
      secrets.add(rs[0].json.token);
      for (const r of rs) assert.equal(r.headers["access-control-allow-origin"], undefined, `status ${r.status}`);
      for (const p of ["/connect_sessions", "/accounts", "/accounts/acc_1"]) {
        const r = await httpNode(server, "OPTIONS", p, {
          headers: { origin: ORIGIN, "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
        });
        assert.equal(r.headers["access-control-allow-origin"], undefined, `OPTIONS ${p}: ${r.status} ${JSON.stringify(r.headers)}`);
      }
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe("hub authentication → 401 on every route", () => {
    let editId; // an account the routes name
    let expired; // session with expires_in 1, past its expiry
    let spent; // session whose token completed an account
    before(async () => {
      const o = owner("auth");
      editId = await linkDemo(o);
      expired = await session({ ...o, account_id: editId, expires_in: 1 });
      const s = await session({ ...o, provider: "demohris", multiple: true });
      expectJson(await H(s.token, "POST", "/hub/accounts", { integration_id: int.demohris, credentials: creds() }), 201);
      spent = s;
      const wait = Date.parse(expired.expires_at) - Date.now() + 300;
      await sleep(Math.max(wait, 1100));
    });

    const routes = () => [
      ["GET", "/hub/settings"],
      ["GET", "/hub/connectors"],
      ["GET", "/hub/connectors?provider=demohris"],
      ["GET", `/hub/connectors/${int.demohris}`],
      ["POST", "/hub/accounts", { integration_id: int.demohris, credentials: creds() }],
      ["GET", `/hub/accounts/${editId}`],
      ["PATCH", `/hub/accounts/${editId}`, { integration_id: int.demohris, credentials: {} }],
    ];
    const tokens = {
      "a missing token": () => undefined,
      "an empty token": () => "",
      "an unknown token": () => randomBytes(32).toString("base64url"),
      "an API key in place of a token": () => A.api_key,
      "a token with spaces and a non-ASCII byte": () => "not a token \u00e9",
      "a 10,000-character token": () => "t".repeat(10_000),
      "an expired token (expires_in 1)": () => expired.token,
      "a spent token": () => spent.token,
    };
    for (const [name, tok] of Object.entries(tokens)) {
      test(`${name} → 401 on every /hub route`, async () => {
        const before = (await http(server, "GET", "/accounts?page_size=1000", { auth: A.api_key })).json.length;
        for (const [method, path, body] of routes()) {
          const res = await H(tok(), method, path, body);
          expectError(res, 401);
          assert.ok(!/x-hub-session-token: \S{20}/.test(res.text));
        }
        const after = (await http(server, "GET", "/accounts?page_size=1000", { auth: A.api_key })).json.length;
        assert.equal(after, before, "no account was created");
      });
    }

    test("a token is spent by a successful POST: reusing it → 401 and no second account", async () => {
      const o = owner("reuse");
      const s = await session({ ...o, provider: "demohris", multiple: true });
      expectJson(await H(s.token, "POST", "/hub/accounts", { integration_id: int.demohris, credentials: creds() }), 201);
      expectError(await H(s.token, "POST", "/hub/accounts", { integration_id: int.demohris, credentials: creds() }), 401);
      expectError(await H(s.token, "GET", "/hub/settings"), 401);
      assert.equal((await accountsOf(o.origin_owner_id)).length, 1);
      // authenticate also refuses a spent token (DESIGN §4)
      expectError(await http(server, "POST", "/connect_sessions/authenticate", { auth: A.api_key, body: { token: s.token } }), 401);
    });

    test("a token is spent by a successful PATCH", async () => {
      const o = owner("reuse-patch");
      const id = await linkDemo(o);
      const s = await session({ ...o, account_id: id });
      expectJson(await H(s.token, "PATCH", `/hub/accounts/${id}`, { integration_id: int.demohris, credentials: {} }), 200);
      expectError(await H(s.token, "PATCH", `/hub/accounts/${id}`, { integration_id: int.demohris, credentials: {} }), 401);
      expectError(await H(s.token, "GET", `/hub/accounts/${id}`), 401);
    });

    test("reading (settings, connectors, account) does not spend the token", async () => {
      const o = owner("reads");
      const id = await linkDemo(o);
      const s = await session({ ...o, account_id: id });
      for (let k = 0; k < 3; k++) {
        expectJson(await H(s.token, "GET", "/hub/settings"), 200);
        expectJson(await H(s.token, "GET", "/hub/connectors"), 200);
        expectJson(await H(s.token, "GET", `/hub/accounts/${id}`), 200);
      }
      expectJson(await H(s.token, "PATCH", `/hub/accounts/${id}`, { integration_id: int.demohris, credentials: {} }), 200);
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe("what the hub may show follows the session", () => {
    const ENABLED = ["bamboohr", "demohris", "greenhouse", "hubspot", "jira"];
    const providersOf = async (token, q = "") =>
      expectJson(await H(token, "GET", `/hub/connectors${q}`), 200).integrations.map((x) => x.provider).sort();

    test("nothing → every enabled integration; never a disabled one", async () => {
      const s = await session({ ...owner("show-all") });
      assert.deepEqual(await providersOf(s.token), ENABLED);
      assert.deepEqual(await providersOf(s.token, "?provider=greenhouse"), ["greenhouse"]);
      assert.deepEqual(await providersOf(s.token, "?provider=workday"), []);
      for (const p of ENABLED) expectJson(await H(s.token, "GET", `/hub/connectors/${int[p]}`), 200);
    });

    test("provider → only that provider", async () => {
      const s = await session({ ...owner("show-p"), provider: "greenhouse" });
      assert.deepEqual(await providersOf(s.token), ["greenhouse"]);
      assert.deepEqual(await providersOf(s.token, "?provider=demohris"), []);
      expectJson(await H(s.token, "GET", `/hub/connectors/${int.greenhouse}`), 200);
      expectError(await H(s.token, "GET", `/hub/connectors/${int.demohris}`), 404);
      expectError(await H(s.token, "POST", "/hub/accounts", { integration_id: int.demohris, credentials: creds() }), 404);
    });

    test("categories → only enabled integrations of those categories", async () => {
      const s1 = await session({ ...owner("show-c1"), categories: ["ats", "crm"] });
      assert.deepEqual(await providersOf(s1.token), ["greenhouse", "hubspot"]);
      expectError(await H(s1.token, "GET", `/hub/connectors/${int.demohris}`), 404);
      const s2 = await session({ ...owner("show-c2"), categories: ["hris"] });
      assert.deepEqual(await providersOf(s2.token), ["bamboohr", "demohris"], "workday (hris) is disabled");
      const s3 = await session({ ...owner("show-c3"), categories: ["lms"] });
      assert.deepEqual(await providersOf(s3.token), []);
      const s4 = await session({ ...owner("show-c4"), category: "ticketing" });
      assert.deepEqual(await providersOf(s4.token), ["jira"]);
      expectError(await H(s1.token, "POST", "/hub/accounts", { integration_id: int.demohris, credentials: creds() }), 404);
    });

    test("account_id → only that account's provider", async () => {
      const o = owner("show-acc");
      const id = await linkDemo(o);
      const s = await session({ ...o, account_id: id });
      assert.deepEqual(await providersOf(s.token), ["demohris"]);
      expectError(await H(s.token, "GET", `/hub/connectors/${int.bamboohr}`), 404);
      expectError(await H(s.token, "POST", "/hub/accounts", { integration_id: int.bamboohr, credentials: bambooCreds() }), 404);
      expectError(await H(s.token, "PATCH", `/hub/accounts/${id}`, { integration_id: int.bamboohr, credentials: {} }), 404);
      assert.equal((await accountsOf(o.origin_owner_id)).length, 1);
    });

    test("a disabled integration: GET config 404, POST 404; another project's integration 404", async () => {
      const s = await session({ ...owner("show-dis") });
      expectError(await H(s.token, "GET", `/hub/connectors/${int.workday}`), 404);
      expectError(await H(s.token, "POST", "/hub/accounts", { integration_id: int.workday, credentials: { tenant: "x" } }), 404);
      expectError(await H(s.token, "GET", `/hub/connectors/${intB}`), 404);
      expectError(await H(s.token, "POST", "/hub/accounts", { integration_id: intB, credentials: creds() }), 404);
      expectError(await H(s.token, "GET", "/hub/connectors/int_does_not_exist"), 404);
      // the token was not spent by the failures
      expectJson(await H(s.token, "POST", "/hub/accounts", { integration_id: int.demohris, credentials: creds() }), 201);
    });

    test("an integration disabled after the session was made disappears and cannot be completed", async () => {
      const C = await createProject(server, "hub-c");
      secrets.add(C.api_key);
      const intC = (await enable(server, C.project_id, "demohris")).integration_id;
      const o = owner("show-late");
      const s = await session({ ...o, provider: "demohris" }, C.api_key);
      assert.deepEqual(await providersOf(s.token), ["demohris"]);
      await disable(server, C.project_id, "demohris");
      assert.deepEqual(await providersOf(s.token), []);
      expectError(await H(s.token, "GET", `/hub/connectors/${intC}`), 404);
      expectError(await H(s.token, "POST", "/hub/accounts", { integration_id: intC, credentials: creds() }), 404);
      assert.equal((await accountsOf(o.origin_owner_id, C.api_key)).length, 0);
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe("upsert rules (DESIGN §5) through the API", () => {
    const post = (token, integration_id, credentials) =>
      H(token, "POST", "/hub/accounts", { integration_id, credentials });

    test("provider p, no account with the key → create (201)", async () => {
      const o = owner("u-create");
      const s = await session({ ...o, provider: "demohris" });
      noExisting(expectJson(await H(s.token, "GET", "/hub/settings"), 200));
      const made = expectJson(await post(s.token, int.demohris, creds()), 201);
      const list = await accountsOf(o.origin_owner_id);
      assert.deepEqual(list.map((a) => a.id), [made.id]);
    });

    test("provider p, account exists, multiple=false → edit page, POST updates it (200, same id)", async () => {
      const o = owner("u-same");
      const id = await linkDemo(o);
      const s = await session({ ...o, provider: "demohris" });
      assert.equal(expectJson(await H(s.token, "GET", "/hub/settings"), 200).existing_account_id, id);
      const c = creds();
      const res = expectJson(await post(s.token, int.demohris, c), 200);
      assert.deepEqual(res, { id, provider: "demohris" });
      const list = await accountsOf(o.origin_owner_id);
      assert.deepEqual(list.map((a) => a.id), [id], "no second account");
      assert.deepEqual((await hubView(o, id)).setupInformation, { company: c.company }, "credentials were updated");
    });

    test("the key includes origin_owner_name: same id, other name → a new account", async () => {
      const o = owner("u-name");
      const id = await linkDemo(o);
      const s = await session({ ...o, origin_owner_name: "Another Name", provider: "demohris" });
      noExisting(expectJson(await H(s.token, "GET", "/hub/settings"), 200));
      const made = expectJson(await post(s.token, int.demohris, creds()), 201);
      assert.notEqual(made.id, id);
      assert.equal((await accountsOf(o.origin_owner_id)).length, 2);
    });

    test("provider p, account exists, multiple=true → a second account (201)", async () => {
      const o = owner("u-multi");
      const id = await linkDemo(o);
      const s = await session({ ...o, provider: "demohris", multiple: true });
      noExisting(expectJson(await H(s.token, "GET", "/hub/settings"), 200));
      const made = expectJson(await post(s.token, int.demohris, creds()), 201);
      assert.notEqual(made.id, id);
      const ids = (await accountsOf(o.origin_owner_id)).map((a) => a.id).sort();
      assert.deepEqual(ids, [id, made.id].sort());
    });

    test("account_id A → updates A (POST answers 200 with A; multiple is ignored)", async () => {
      const o = owner("u-accid");
      const id = await linkDemo(o);
      const s = await session({ ...o, account_id: id, multiple: true });
      assert.equal(expectJson(await H(s.token, "GET", "/hub/settings"), 200).existing_account_id, id);
      const c = creds();
      assert.deepEqual(expectJson(await post(s.token, int.demohris, c), 200), { id, provider: "demohris" });
      assert.equal((await accountsOf(o.origin_owner_id)).length, 1);
      assert.deepEqual((await hubView(o, id)).setupInformation, { company: c.company });
    });

    test("account_id A when A is inactive → update re-links it to active", async () => {
      const o = owner("u-relink");
      const id = await linkDemo(o);
      const p = expectJson(await http(server, "PATCH", `/accounts/${id}`, { auth: A.api_key, body: { status: "inactive" } }), 200);
      assert.equal(p.status, "inactive");
      const s = await session({ ...o, account_id: id });
      expectJson(await H(s.token, "PATCH", `/hub/accounts/${id}`, { integration_id: int.demohris, credentials: creds() }), 200);
      const acc = await getAccount(id);
      assert.equal(acc.status, "active");
      assert.ok(acc.status_reasons.length >= 2, JSON.stringify(acc.status_reasons));
    });

    test("categories session: the rules apply once the provider is chosen", async () => {
      const o = owner("u-cat");
      const id = await linkDemo(o);
      // picks demohris, which has an account for the key → update
      const s1 = await session({ ...o, categories: ["hris"] });
      assert.deepEqual(expectJson(await post(s1.token, int.demohris, creds()), 200), { id, provider: "demohris" });
      // picks bamboohr, no account for that key → create
      const s2 = await session({ ...o, categories: ["hris"] });
      const made = expectJson(await post(s2.token, int.bamboohr, bambooCreds()), 201);
      assert.equal(made.provider, "bamboohr");
      // multiple=true with categories → create another demohris
      const s3 = await session({ ...o, categories: ["hris"], multiple: true });
      const third = expectJson(await post(s3.token, int.demohris, creds()), 201);
      assert.notEqual(third.id, id);
      assert.equal((await accountsOf(o.origin_owner_id)).length, 3);
    });

    test("session with neither provider nor categories: the same rules", async () => {
      const o = owner("u-none");
      const s0 = await session({ ...o });
      const made = expectJson(await post(s0.token, int.demohris, creds()), 201);
      const s1 = await session({ ...o });
      assert.deepEqual(expectJson(await post(s1.token, int.demohris, creds()), 200), { id: made.id, provider: "demohris" });
      assert.equal((await accountsOf(o.origin_owner_id)).length, 1);
    });

    test("several accounts share the key (multiple) → a later multiple=false session updates the oldest", async () => {
      const o = owner("u-oldest");
      const ids = [];
      for (let k = 0; k < 3; k++) ids.push(await linkDemo(o, { multiple: true }));
      const listed = (await accountsOf(o.origin_owner_id)).map((a) => a.id);
      assert.deepEqual(listed, ids, "listed in creation order");
      const s = await session({ ...o, provider: "demohris" });
      assert.equal(expectJson(await H(s.token, "GET", "/hub/settings"), 200).existing_account_id, ids[0]);
      const c = creds();
      assert.deepEqual(expectJson(await post(s.token, int.demohris, c), 200), { id: ids[0], provider: "demohris" });
      assert.equal((await accountsOf(o.origin_owner_id)).length, 3);
      assert.deepEqual((await hubView(o, ids[0])).setupInformation, { company: c.company });
      // a no-provider session picks the same oldest one
      const s2 = await session({ ...o });
      assert.deepEqual(expectJson(await post(s2.token, int.demohris, creds()), 200), { id: ids[0], provider: "demohris" });
    });

    test("label, origin_username, metadata and type from the session land on the account (create and update)", async () => {
      const o = owner("u-fields");
      const meta1 = { plan: "gold", nested: { n: 1, list: [1, "two"] } };
      const id = await linkDemo(o, { label: "HR one", origin_username: "jane@acme.test", metadata: meta1, type: "test" });
      let acc = await getAccount(id);
      assert.equal(acc.label, "HR one");
      assert.equal(acc.origin_username, "jane@acme.test");
      assert.equal(acc.type, "test");
      assert.deepEqual(acc.metadata, meta1);
      const listed = (await accountsOf(o.origin_owner_id))[0];
      assert.deepEqual(listed.metadata, meta1);

      const meta2 = { plan: "platinum" };
      const s = await session({ ...o, provider: "demohris", label: "HR two", origin_username: "john@acme.test", metadata: meta2, type: "production" });
      expectJson(await H(s.token, "POST", "/hub/accounts", { integration_id: int.demohris, credentials: creds() }), 200);
      acc = await getAccount(id);
      assert.equal(acc.label, "HR two");
      assert.equal(acc.origin_username, "john@acme.test");
      assert.equal(acc.type, "production");
      assert.deepEqual(acc.metadata, meta2);
      assert.ok(Date.parse(acc.updated_at) >= Date.parse(acc.created_at));
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe("a session may read and patch only the account it edits", () => {
    let o1;
    let acc1;
    let acc2; // another owner's account
    let accB; // another project's account
    before(async () => {
      o1 = owner("own1");
      acc1 = await linkDemo(o1);
      acc2 = await linkDemo(owner("own2"));
      const { session: sb, res } = await completeSession(server, B.api_key, { ...owner("ownB"), provider: "demohris" }, intB, creds());
      secrets.add(sb.token);
      accB = expectJson(res, 201).id;
    });

    test("account_id session: GET/PATCH another account → 403; its own → 200", async () => {
      const s = await session({ ...o1, account_id: acc1 });
      for (const other of [acc2, accB, "acc_does_not_exist"]) {
        expectError(await H(s.token, "GET", `/hub/accounts/${other}`), 403);
        expectError(await H(s.token, "PATCH", `/hub/accounts/${other}`, { integration_id: int.demohris, credentials: creds() }), 403);
      }
      expectJson(await H(s.token, "GET", `/hub/accounts/${acc1}`), 200);
      // the 403s did not spend the token and changed nothing
      assert.equal((await getAccount(acc2)).updated_at, (await getAccount(acc2)).created_at);
      expectJson(await H(s.token, "PATCH", `/hub/accounts/${acc1}`, { integration_id: int.demohris, credentials: {} }), 200);
    });

    test("provider session: only the account the rules chose for its key", async () => {
      const s = await session({ ...o1, provider: "demohris" });
      expectJson(await H(s.token, "GET", `/hub/accounts/${acc1}`), 200);
      expectError(await H(s.token, "GET", `/hub/accounts/${acc2}`), 403);
      expectError(await H(s.token, "PATCH", `/hub/accounts/${acc2}`, { integration_id: int.demohris, credentials: {} }), 403);
      expectError(await H(s.token, "GET", `/hub/accounts/${accB}`), 403);
    });

    test("a session whose rules create (no account for its key, or multiple=true) may open none", async () => {
      const fresh = await session({ ...owner("own3"), provider: "demohris" });
      expectError(await H(fresh.token, "GET", `/hub/accounts/${acc1}`), 403);
      const multi = await session({ ...o1, provider: "demohris", multiple: true });
      expectError(await H(multi.token, "GET", `/hub/accounts/${acc1}`), 403);
      expectError(await H(multi.token, "PATCH", `/hub/accounts/${acc1}`, { integration_id: int.demohris, credentials: {} }), 403);
      // it can still create its own account
      expectJson(await H(multi.token, "POST", "/hub/accounts", { integration_id: int.demohris, credentials: creds() }), 201);
    });

    test("another project's hub token cannot read or edit this project's account", async () => {
      const sB = await session({ ...o1 }, B.api_key);
      expectError(await H(sB.token, "GET", `/hub/accounts/${acc1}`), 403);
      expectError(await H(sB.token, "PATCH", `/hub/accounts/${acc1}`, { integration_id: intB, credentials: {} }), 403);
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe("credential checks", () => {
    const post = (token, integration_id, credentials) =>
      H(token, "POST", "/hub/accounts", { integration_id, credentials });

    test("bad input → 400 naming the field; nothing stored, token not spent", async () => {
      const o = owner("cred-400");
      const s = await session({ ...o, provider: "demohris" });
      const good = creds();
      const cases = [
        ["missing api_key", { company: good.company }, "API key"],
        ["missing company", { api_key: good.api_key }, "Company"],
        ["empty api_key", { company: good.company, api_key: "" }, "API key"],
        ["no credentials at all", {}, /Company|API key/],
        ["unknown field", { ...good, tenant: "x" }, "tenant"],
        ["company breaks its pattern", { ...good, company: "Not Lower Case" }, "Company"],
        ["api_key breaks its pattern", { ...good, api_key: "short" }, "API key"],
        ["api_key is a number", { ...good, api_key: 12345678 }, "API key"],
      ];
      for (const [name, c, mentions] of cases) {
        const res = await post(s.token, int.demohris, c);
        expectError(res, 400, { mentions });
        assert.ok(!res.text.includes(good.api_key), `${name}: the secret is not echoed`);
      }
      expectError(await H(s.token, "POST", "/hub/accounts", { integration_id: int.demohris, credentials: "x" }), 400, { mentions: "credentials" });
      expectError(await H(s.token, "POST", "/hub/accounts", { integration_id: int.demohris, credentials: good, extra: 1 }), 400, { mentions: "extra" });
      expectError(await H(s.token, "POST", "/hub/accounts", { credentials: good }), 400, { mentions: "integration_id" });
      expectError(await H(s.token, "POST", "/hub/accounts", "{not json"), 400);
      expectError(await H(s.token, "POST", "/hub/accounts", JSON.stringify({ integration_id: int.demohris, credentials: good }),
        { headers: { "content-type": "text/plain" } }), 415);
      assert.equal((await accountsOf(o.origin_owner_id)).length, 0, "nothing stored");
      expectJson(await post(s.token, int.demohris, good), 201);
    });

    test("a well-formed BambooHR key the provider rejects → 422 with provider_response; nothing stored; token kept", async () => {
      const o = owner("cred-422");
      const s = await session({ ...o, provider: "bamboohr" });
      fake.clear();
      const bad = bambooCreds(BAD_KEY);
      const res = await post(s.token, int.bamboohr, bad);
      const err = expectError(res, 422);
      assert.ok(Object.hasOwn(err, "provider_response"), `provider_response present: ${res.text}`);
      assert.match(JSON.stringify(err.provider_response), /Invalid API key/);
      assert.ok(!res.text.includes(BAD_KEY), "the rejected key is not echoed");
      assert.equal(fake.requests.length, 1, "one provider check");
      const r = fake.requests[0];
      assert.equal(r.method, "GET");
      assert.equal(r.path, "/meta/fields");
      assert.equal(r.authorization, basicOf(BAD_KEY, "x"));
      assert.equal(r.status, 401);
      assert.equal((await accountsOf(o.origin_owner_id)).length, 0, "no account stored");

      // the same token still works with the good key
      const made = expectJson(await post(s.token, int.bamboohr, { subdomain: bad.subdomain, api_key: GOOD_KEY }), 201);
      assert.equal(made.provider, "bamboohr");
      assert.equal(fake.requests.length, 2);
      assert.equal(fake.requests[1].authorization, basicOf(GOOD_KEY, "x"));
      assert.equal(fake.requests[1].status, 200);
      assert.deepEqual((await accountsOf(o.origin_owner_id)).map((a) => a.id), [made.id]);
    });

    test("a key that breaks BambooHR's pattern → 400 without asking the provider", async () => {
      const s = await session({ ...owner("cred-pattern"), provider: "bamboohr" });
      fake.clear();
      expectError(await post(s.token, int.bamboohr, { subdomain: "acme", api_key: "not-hex" }), 400, { mentions: "API key" });
      expectError(await post(s.token, int.bamboohr, { subdomain: "Acme Corp", api_key: GOOD_KEY }), 400, { mentions: "Company subdomain" });
      expectError(await post(s.token, int.bamboohr, { api_key: GOOD_KEY }), 400, { mentions: "Company subdomain" });
      assert.equal(fake.requests.length, 0, "the provider was not called");
    });

    test("the provider cannot be reached → 503 JSON; nothing stored, token kept", async () => {
      const C = await createProject(server, "hub-down");
      secrets.add(C.api_key);
      const probe = net.createServer().listen(0, "127.0.0.1");
      await once(probe, "listening");
      const deadPort = probe.address().port;
      await new Promise((r) => probe.close(r));
      const intC = (await enable(server, C.project_id, "bamboohr", { base_url: `http://127.0.0.1:${deadPort}` })).integration_id;
      const o = owner("cred-down");
      const s = await session({ ...o, provider: "bamboohr" }, C.api_key);
      const c = bambooCreds();
      const res = await post(s.token, intC, c);
      expectError(res, 503);
      assert.ok(!res.text.includes(GOOD_KEY), "the key is not echoed");
      assert.equal((await accountsOf(o.origin_owner_id, C.api_key)).length, 0);
      // point the integration at the fake provider: the same token now completes
      await enable(server, C.project_id, "bamboohr", { base_url: fake.url });
      expectJson(await post(s.token, intC, c), 201);
    });

    test("edit with a key the provider rejects → 422 and the stored key is unchanged", async () => {
      const o = owner("cred-edit");
      const c0 = bambooCreds();
      const id = await linkAccount(server, A.api_key, { ...o, provider: "bamboohr" }, int.bamboohr, c0);
      const s = await session({ ...o, account_id: id });
      const before = await getAccount(id);
      const err = expectError(await H(s.token, "PATCH", `/hub/accounts/${id}`, {
        integration_id: int.bamboohr, credentials: { subdomain: "changed", api_key: BAD_KEY },
      }), 422);
      assert.ok(err.provider_response !== undefined);
      const afterFail = await getAccount(id);
      assert.equal(afterFail.updated_at, before.updated_at, "a failed completion changes nothing");
      assert.deepEqual((await hubView(o, id)).setupInformation, { subdomain: c0.subdomain });
      // the first token is still usable; the stored key passes the check again
      fake.clear();
      expectJson(await H(s.token, "PATCH", `/hub/accounts/${id}`, { integration_id: int.bamboohr, credentials: {} }), 200);
      assert.equal(fake.requests.at(-1).authorization, basicOf(GOOD_KEY, "x"));
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe("concurrency", () => {
    test("100 concurrent completions for one key with multiple=false → exactly one account, no 5xx", async () => {
      const o = owner("race1");
      const sessions = await Promise.all(Array.from({ length: 100 }, () => session({ ...o, provider: "demohris" })));
      const results = await Promise.all(sessions.map((s) =>
        H(s.token, "POST", "/hub/accounts", { integration_id: int.demohris, credentials: creds() }, { timeoutMs: 30_000 })));
      const statuses = results.map((r) => r.status);
      assert.ok(statuses.every((st) => st === 200 || st === 201), `statuses: ${JSON.stringify(statuses)}`);
      assert.equal(statuses.filter((st) => st === 201).length, 1, "exactly one creation");
      const ids = new Set(results.map((r) => r.json.id));
      assert.equal(ids.size, 1, `one account id: ${[...ids]}`);
      const list = await accountsOf(o.origin_owner_id);
      assert.equal(list.length, 1);
      assert.equal(list[0].id, [...ids][0]);
    });

    test("50 concurrent completions with multiple=true → 50 accounts", async () => {
      const o = owner("race2");
      const sessions = await Promise.all(Array.from({ length: 50 }, () => session({ ...o, provider: "demohris", multiple: true })));
      const results = await Promise.all(sessions.map((s) =>
        H(s.token, "POST", "/hub/accounts", { integration_id: int.demohris, credentials: creds() }, { timeoutMs: 30_000 })));
      assert.deepEqual([...new Set(results.map((r) => r.status))], [201], JSON.stringify(results.map((r) => r.status)));
      assert.equal(new Set(results.map((r) => r.json.id)).size, 50);
      assert.equal((await accountsOf(o.origin_owner_id)).length, 50);
    });

    test("an owner change racing completions for the target key never yields two accounts for it", async () => {
      const x = owner("race-x");
      const y = owner("race-y");
      const idY = await linkDemo(y);
      const sessions = await Promise.all(Array.from({ length: 20 }, () => session({ ...x, provider: "demohris" })));
      const [patch, ...posts] = await Promise.all([
        http(server, "PATCH", `/accounts/${idY}`, { auth: A.api_key, body: { origin_owner_id: x.origin_owner_id, origin_owner_name: x.origin_owner_name } }),
        ...sessions.map((s) => H(s.token, "POST", "/hub/accounts", { integration_id: int.demohris, credentials: creds() }, { timeoutMs: 30_000 })),
      ]);
      assert.ok([200, 409].includes(patch.status), `PATCH: ${patch.status} ${patch.text}`);
      for (const r of posts) assert.ok(r.status === 200 || r.status === 201, `POST: ${r.status} ${r.text}`);
      const list = await accountsOf(x.origin_owner_id);
      assert.equal(list.length, 1, `one account for the key: ${JSON.stringify(list.map((a) => a.id))}`);
      assert.equal(new Set(posts.map((r) => r.json.id)).size, 1);
    });

    test("one token used by 20 concurrent POSTs → exactly one succeeds, the rest 401", async () => {
      const o = owner("race3");
      const s = await session({ ...o, provider: "demohris", multiple: true });
      const results = await Promise.all(Array.from({ length: 20 }, () =>
        H(s.token, "POST", "/hub/accounts", { integration_id: int.demohris, credentials: creds() }, { timeoutMs: 30_000 })));
      const statuses = results.map((r) => r.status).sort();
      assert.equal(statuses.filter((x) => x === 201).length, 1, JSON.stringify(statuses));
      assert.equal(statuses.filter((x) => x === 401).length, 19, JSON.stringify(statuses));
      assert.equal((await accountsOf(o.origin_owner_id)).length, 1);
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe("data protection (run last: searches everything the suite sent)", () => {
    test("the database files hold no credential value, API key or session token in plaintext", async () => {
      assert.ok(secrets.size > 100, `collected ${secrets.size} values`);
      const files = [server.dbPath, `${server.dbPath}-wal`, `${server.dbPath}-shm`];
      let read = 0;
      for (const f of files) {
        let bytes;
        try {
          bytes = await readFile(f);
        } catch (e) {
          if (e.code === "ENOENT") continue;
          throw e;
        }
        read++;
        for (const v of [...secrets, GOOD_KEY, BAD_KEY]) {
          if (typeof v !== "string" || v.length < 8) continue;
          assert.ok(!bytes.includes(Buffer.from(v, "utf8")), `${f} contains ${v.slice(0, 10)}… in plaintext`);
        }
      }
      assert.ok(read >= 1, "read the database");
    });

    test("the server log holds no token or credential value", () => {
      const log = server.logs();
      assert.ok(log.length > 0);
      for (const v of [...secrets, GOOD_KEY, BAD_KEY]) {
        if (typeof v !== "string" || v.length < 8) continue;
        assert.ok(!log.includes(v), `server log contains ${v.slice(0, 10)}…`);
      }
    });
  });
});
