// Black-box tests of POST /connect_sessions and POST /connect_sessions/authenticate,
// through the official StackOne SDK (4.28.0) and through raw HTTP.
// Contract: /work/shared/DESIGN.md sections 2-4 and 9, notes/stackone-api.md sections 1, 2, 7.

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  BadRequestResponse,
  NotFoundResponse,
  UnauthorizedResponse,
} from "@stackone/stackone-client-ts/sdk/models/errors/index.js";
import {
  startServer, createProject, enable, disable, createApiKey, revokeApiKey, sdk, http, httpNode,
  basic, expectError, expectJson, sleep, ISO_Z, CATEGORIES,
} from "./lib/harness.mjs";

const OWNER = { origin_owner_id: "customer-123", origin_owner_name: "Acme Inc" };
const URL_SAFE = /^[A-Za-z0-9_~.-]+$/;

// Fields DESIGN.md section 4 lists for the 201 response (values may be null where optional).
const SESSION_FIELDS = [
  "id", "organization_id", "project_id", "origin_owner_id", "origin_owner_name", "origin_username",
  "provider", "categories", "account_id", "label", "metadata", "type", "created_at",
];

describe("connect sessions", () => {
  let server;
  let A; // project with bamboohr + greenhouse enabled
  let B; // project with nothing enabled
  let clientA;
  const secrets = new Set(); // API keys and session tokens that must never reach the server log

  before(async () => {
    server = await startServer();
    A = await createProject(server, "cs-project-a");
    B = await createProject(server, "cs-project-b");
    secrets.add(A.api_key);
    secrets.add(B.api_key);
    await enable(server, A.project_id, "bamboohr");
    await enable(server, A.project_id, "greenhouse");
    clientA = sdk(server, A.api_key);
  });

  after(async () => {
    await server?.stop();
  });

  /** Raw POST /connect_sessions; remembers any token it gets back. */
  async function create(body, { key = A.api_key, ...opts } = {}) {
    const res = await http(server, "POST", "/connect_sessions", { auth: key, body, ...opts });
    if (typeof res.json?.token === "string") secrets.add(res.json.token);
    return res;
  }

  async function authenticate(token, { key = A.api_key } = {}) {
    return http(server, "POST", "/connect_sessions/authenticate", { auth: key, body: { token } });
  }

  async function created(body, opts) {
    return expectJson(await create(body, opts), 201);
  }

  // ---------------------------------------------------------------------------------------------
  describe("through the official SDK", () => {
    test("createConnectSession with only originOwnerId/originOwnerName", async () => {
      const before = Date.now();
      const res = await clientA.connectSessions.createConnectSession({
        originOwnerId: "customer-123",
        originOwnerName: "Acme Inc",
      });
      assert.equal(res.statusCode, 201);
      const s = res.connectSessionTokenAuthLink;
      assert.ok(s, "res.connectSessionTokenAuthLink is set");
      secrets.add(s.token);
      assert.equal(typeof s.id, "number");
      assert.ok(Number.isInteger(s.id) && s.id > 0, `id is a positive integer: ${s.id}`);
      assert.equal(s.organizationId, A.organization_id);
      assert.equal(s.projectId, A.project_id);
      assert.equal(s.originOwnerId, "customer-123");
      assert.equal(s.originOwnerName, "Acme Inc");
      assert.ok(s.createdAt instanceof Date && !Number.isNaN(s.createdAt.getTime()), "createdAt is a Date");
      assert.ok(Math.abs(s.createdAt.getTime() - before) < 120_000, `createdAt is now-ish: ${s.createdAt.toISOString()}`);
      assert.equal(typeof s.token, "string");
      assert.ok(s.token.length >= 43, `token has >= 256 bits (>= 43 chars): ${s.token.length}`);
      assert.ok(s.authLinkUrl.startsWith(server.url), `authLinkUrl ${s.authLinkUrl} starts with ${server.url}`);
      assert.equal(s.type, "production");
      assert.ok(s.provider == null, `provider is null/absent: ${s.provider}`);
    });

    test("createConnectSession with every SDK field", async () => {
      const res = await clientA.connectSessions.createConnectSession({
        originOwnerId: "customer-456",
        originOwnerName: "Globex",
        originUsername: "jane@globex.test",
        provider: "bamboohr",
        categories: ["hris"],
        label: "Globex HR",
        multiple: true,
        expiresIn: 600,
        metadata: { source: "my-backend" }, // the SDK strips this to {}
        type: "test",
      });
      assert.equal(res.statusCode, 201);
      const s = res.connectSessionTokenAuthLink;
      secrets.add(s.token);
      assert.equal(typeof s.id, "number");
      assert.equal(s.organizationId, A.organization_id);
      assert.equal(s.projectId, A.project_id);
      assert.equal(s.originOwnerId, "customer-456");
      assert.equal(s.originOwnerName, "Globex");
      assert.equal(s.originUsername, "jane@globex.test");
      assert.equal(s.provider, "bamboohr");
      assert.deepEqual(s.categories, ["hris"]);
      assert.equal(s.label, "Globex HR");
      assert.equal(s.type, "test");
      assert.ok(s.createdAt instanceof Date);
      assert.ok(s.token.length >= 43);
      assert.ok(s.authLinkUrl.startsWith(server.url));
    });

    test("authenticateConnectSession returns the same session, without token", async () => {
      const { connectSessionTokenAuthLink: made } = await clientA.connectSessions.createConnectSession({
        originOwnerId: "customer-789",
        originOwnerName: "Initech",
        provider: "greenhouse",
        label: "Initech ATS",
      });
      secrets.add(made.token);
      const res = await clientA.connectSessions.authenticateConnectSession({ token: made.token });
      assert.equal(res.statusCode, 201);
      const s = res.connectSession;
      assert.ok(s, "res.connectSession is set");
      assert.equal(s.id, made.id);
      assert.equal(s.organizationId, made.organizationId);
      assert.equal(s.projectId, made.projectId);
      assert.equal(s.originOwnerId, "customer-789");
      assert.equal(s.originOwnerName, "Initech");
      assert.equal(s.provider, "greenhouse");
      assert.equal(s.label, "Initech ATS");
      assert.equal(s.createdAt.getTime(), made.createdAt.getTime());
      assert.equal(s.token, undefined);
      assert.equal(s.authLinkUrl, undefined);
    });

    test("wrong API key → UnauthorizedResponse", async () => {
      const bad = sdk(server, "sk_this_is_not_a_key");
      await assert.rejects(
        bad.connectSessions.createConnectSession({ originOwnerId: "o", originOwnerName: "n" }),
        (err) => {
          assert.ok(err instanceof UnauthorizedResponse, `got ${err?.name}: ${err?.message}`);
          assert.equal(err.statusCode, 401);
          return true;
        },
      );
      await assert.rejects(
        bad.connectSessions.authenticateConnectSession({ token: "x".repeat(43) }),
        (err) => err instanceof UnauthorizedResponse || assert.fail(`got ${err?.name}: ${err?.message}`),
      );
    });

    test("unknown accountId → NotFoundResponse", async () => {
      await assert.rejects(
        clientA.connectSessions.createConnectSession({
          originOwnerId: "customer-123",
          originOwnerName: "Acme Inc",
          accountId: "acc_does_not_exist",
        }),
        (err) => {
          assert.ok(err instanceof NotFoundResponse, `got ${err?.name}: ${err?.message}`);
          assert.equal(err.statusCode, 404);
          return true;
        },
      );
    });

    test("provider not enabled in the project → BadRequestResponse", async () => {
      await assert.rejects(
        clientA.connectSessions.createConnectSession({
          originOwnerId: "customer-123",
          originOwnerName: "Acme Inc",
          provider: "workday",
        }),
        (err) => {
          assert.ok(err instanceof BadRequestResponse, `got ${err?.name}: ${err?.message}`);
          assert.equal(err.statusCode, 400);
          assert.match(err.message, /workday|provider/i);
          return true;
        },
      );
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe("POST /connect_sessions: success shape (raw HTTP)", () => {
    test("minimal body → 201 with every documented field and the defaults", async () => {
      const t0 = Date.now();
      const s = await created({ ...OWNER });
      for (const f of [...SESSION_FIELDS, "token", "auth_link_url", "expires_at"]) {
        assert.ok(Object.hasOwn(s, f), `response has "${f}": ${JSON.stringify(s)}`);
      }
      assert.ok(Number.isInteger(s.id));
      assert.equal(s.organization_id, A.organization_id);
      assert.equal(typeof s.project_id, "string");
      assert.equal(s.project_id, A.project_id);
      assert.equal(s.origin_owner_id, OWNER.origin_owner_id);
      assert.equal(s.origin_owner_name, OWNER.origin_owner_name);
      assert.equal(s.type, "production", "type defaults to production");
      if (Object.hasOwn(s, "multiple")) assert.equal(s.multiple, false, "multiple defaults to false");
      assert.ok(s.provider == null);
      assert.ok(s.account_id == null);
      assert.match(s.created_at, ISO_Z);
      assert.ok(Math.abs(Date.parse(s.created_at) - t0) < 120_000, `created_at is now-ish: ${s.created_at}`);
      assert.match(s.expires_at, ISO_Z);
      const ttl = (Date.parse(s.expires_at) - Date.parse(s.created_at)) / 1000;
      assert.ok(Math.abs(ttl - 1800) <= 2, `expires_at - created_at = 1800 s by default, got ${ttl}`);
      assert.equal(typeof s.token, "string");
      assert.ok(s.token.length >= 43, `token length ${s.token.length}`);
      assert.match(s.token, URL_SAFE, "token is URL-safe");
      assert.equal(typeof s.auth_link_url, "string");
      assert.ok(s.auth_link_url.startsWith(server.url), `auth_link_url ${s.auth_link_url}`);
      if (s.categories != null) {
        assert.ok(Array.isArray(s.categories));
        for (const c of s.categories) assert.ok(CATEGORIES.includes(c), `category ${c} in the closed list`);
      }
    });

    test("two sessions get different ids and different tokens", async () => {
      const a = await created({ ...OWNER });
      const b = await created({ ...OWNER });
      assert.notEqual(a.id, b.id);
      assert.notEqual(a.token, b.token);
    });

    test("all fields echo back; metadata round-trips", async () => {
      const body = {
        ...OWNER,
        origin_username: "jane@acme.test",
        provider: "bamboohr",
        categories: ["hris"],
        label: "Acme HR",
        multiple: true,
        metadata: { source: "my-backend", nested: { n: 1 } },
        expires_in: 3600,
        type: "test",
      };
      const s = await created(body);
      assert.equal(s.origin_username, body.origin_username);
      assert.equal(s.provider, "bamboohr");
      assert.deepEqual(s.categories, ["hris"]);
      assert.equal(s.label, "Acme HR");
      assert.deepEqual(s.metadata, body.metadata);
      assert.equal(s.type, "test");
      if (Object.hasOwn(s, "multiple")) assert.equal(s.multiple, true);
      const ttl = (Date.parse(s.expires_at) - Date.parse(s.created_at)) / 1000;
      assert.ok(Math.abs(ttl - 3600) <= 2, `ttl ${ttl}`);
    });

    test("the seed's Flask payload (provider: null, metadata) → 201", async () => {
      const s = await created({
        origin_owner_id: "customer-123",
        origin_owner_name: "Acme Inc",
        origin_username: "someone@acme.test",
        provider: null,
        metadata: { source: "my-backend" },
      });
      assert.ok(s.provider == null);
      assert.equal(s.origin_username, "someone@acme.test");
    });

    test('the seed\'s singular `category: "hris"` is accepted as categories ["hris"]', async () => {
      const s = await created({ ...OWNER, category: "hris" });
      assert.deepEqual(s.categories, ["hris"]);
    });

    test("null for every optional field means absent", async () => {
      const s = await created({
        ...OWNER,
        origin_username: null,
        provider: null,
        categories: null,
        account_id: null,
        label: null,
        multiple: null,
        metadata: null,
        expires_in: null,
        type: null,
      });
      assert.equal(s.type, "production");
      assert.ok(s.provider == null);
      assert.ok(s.account_id == null);
      const ttl = (Date.parse(s.expires_at) - Date.parse(s.created_at)) / 1000;
      assert.ok(Math.abs(ttl - 1800) <= 2, `null expires_in → default 1800, got ${ttl}`);
    });

    test("StackOne fields we do not act on are accepted and ignored", async () => {
      await created({
        ...OWNER,
        provider: "bamboohr",
        provider_version: "1.0.0",
        integration_id: "int_whatever",
        connector_profile_id: "cp_whatever",
        shared: false,
        relink: false,
        scopes: ["employees:read"],
      });
    });

    test("the exact bodies the SDK sends (minimal and full) are accepted", async () => {
      await created({ expires_in: 1800, multiple: false, ...OWNER, type: "production" });
      await created({
        categories: ["hris", "ats"], expires_in: 600, label: "My label", metadata: {}, multiple: true,
        ...OWNER, origin_username: "jane@acme.test", provider: "bamboohr", provider_version: "1.0.0",
        type: "test",
      });
    });

    test("boundaries are accepted: expires_in 1 and 2592000, 255-char ids, 1024-char label", async () => {
      await created({ ...OWNER, expires_in: 1 });
      const s = await created({ ...OWNER, expires_in: 2592000 });
      const ttl = (Date.parse(s.expires_at) - Date.parse(s.created_at)) / 1000;
      assert.ok(Math.abs(ttl - 2592000) <= 2, `ttl ${ttl}`);
      await created({
        origin_owner_id: "i".repeat(255),
        origin_owner_name: "n".repeat(255),
        origin_username: "u".repeat(255),
        label: "l".repeat(1024),
      });
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe("POST /connect_sessions: validation errors (raw HTTP)", () => {
    const { origin_owner_id: _i, ...noId } = OWNER;
    const { origin_owner_name: _n, ...noName } = OWNER;
    const bigMetadata = { blob: "x".repeat(17 * 1024) };
    /** [name, body, what the 400 message must mention] */
    const cases = [
      ["missing origin_owner_id", noId, "origin_owner_id"],
      ["missing origin_owner_name", noName, "origin_owner_name"],
      ["empty origin_owner_id", { ...OWNER, origin_owner_id: "" }, "origin_owner_id"],
      ["empty origin_owner_name", { ...OWNER, origin_owner_name: "" }, "origin_owner_name"],
      ["null origin_owner_id (required)", { ...OWNER, origin_owner_id: null }, "origin_owner_id"],
      ["origin_owner_id is a number", { ...OWNER, origin_owner_id: 123 }, "origin_owner_id"],
      ["origin_owner_name is a boolean", { ...OWNER, origin_owner_name: true }, "origin_owner_name"],
      ["origin_username is a number", { ...OWNER, origin_username: 42 }, "origin_username"],
      ["provider is a number", { ...OWNER, provider: 7 }, "provider"],
      ["categories is a string", { ...OWNER, categories: "hris" }, "categories"],
      ["categories holds a number", { ...OWNER, categories: [1] }, "categories"],
      ["label is a number", { ...OWNER, label: 5 }, "label"],
      ["multiple is a string", { ...OWNER, multiple: "yes" }, "multiple"],
      ["metadata is a string", { ...OWNER, metadata: "x" }, "metadata"],
      ["metadata is an array", { ...OWNER, metadata: [1, 2] }, "metadata"],
      ["expires_in is a string", { ...OWNER, expires_in: "60" }, "expires_in"],
      ["expires_in is 0", { ...OWNER, expires_in: 0 }, "expires_in"],
      ["expires_in is negative", { ...OWNER, expires_in: -1 }, "expires_in"],
      ["expires_in is 2592001 (over 30 days)", { ...OWNER, expires_in: 2592001 }, "expires_in"],
      ["type is a number", { ...OWNER, type: 5 }, "type"],
      ['type is neither "production" nor "test"', { ...OWNER, type: "sandbox" }, "type"],
      ["account_id is a number", { ...OWNER, account_id: 5 }, "account_id"],
      ["unknown top-level field (typo)", { ...OWNER, origin_owner_nmae: "Acme" }, "origin_owner_nmae"],
      ["origin_owner_id over 255 chars", { ...OWNER, origin_owner_id: "i".repeat(256) }, "origin_owner_id"],
      ["origin_owner_name over 255 chars", { ...OWNER, origin_owner_name: "n".repeat(256) }, "origin_owner_name"],
      ["origin_username over 255 chars", { ...OWNER, origin_username: "u".repeat(256) }, "origin_username"],
      ["label over 1024 chars", { ...OWNER, label: "l".repeat(1025) }, "label"],
      ["metadata over 16 KiB", { ...OWNER, metadata: bigMetadata }, "metadata"],
      ["unknown category in categories", { ...OWNER, categories: ["hris", "payroll"] }, /categor|payroll/],
      ["unknown singular category", { ...OWNER, category: "payroll" }, /categor|payroll/],
      ["provider not in the catalog", { ...OWNER, provider: "nosuchprovider" }, /provider|nosuchprovider/],
      ["provider in the catalog but not enabled in the project", { ...OWNER, provider: "workday" }, /provider|workday/],
    ];
    for (const [name, body, field] of cases) {
      test(`${name} → 400 naming ${field}`, async () => {
        expectError(await create(body), 400, { mentions: field });
      });
    }

    test("a provider enabled in another project only → 400", async () => {
      // bamboohr is enabled in A, not in B.
      expectError(await create({ ...OWNER, provider: "bamboohr" }, { key: B.api_key }), 400, {
        mentions: /provider|bamboohr/,
      });
    });

    test("unknown account_id → 404", async () => {
      expectError(await create({ ...OWNER, account_id: "acc_does_not_exist" }), 404);
    });

    test("body that is not JSON → 400", async () => {
      expectError(await create('{"origin_owner_id": "customer-123", '), 400);
    });

    test("empty body with a JSON content type → 400", async () => {
      expectError(await create(""), 400);
    });

    test("JSON body that is not an object → 400", async () => {
      expectError(await create([OWNER]), 400);
      expectError(await create('"just a string"'), 400);
    });

    test("Content-Type that is not JSON → 415", async () => {
      expectError(
        await create(JSON.stringify(OWNER), { headers: { "content-type": "text/plain" } }),
        415,
      );
    });

    test("body over 1 MiB → 413", async () => {
      const body = JSON.stringify({ ...OWNER, label: "x".repeat(1024 * 1024 + 16) });
      const res = await httpNode(server, "POST", "/connect_sessions", { auth: A.api_key, body });
      expectError(res, 413);
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe("authentication → 401", () => {
    const routes = [
      ["POST", "/connect_sessions", OWNER],
      ["POST", "/connect_sessions/authenticate", { token: "x".repeat(43) }],
    ];
    const badHeaders = [
      ["no Authorization header", () => ({})],
      ["a wrong API key", () => ({ authorization: basic("sk_definitely_not_a_key") })],
      ["an empty API key", () => ({ authorization: basic("") })],
      ["Bearer scheme with a valid key", () => ({ authorization: `Bearer ${A.api_key}` })],
      ["Basic with garbage base64", () => ({ authorization: "Basic %%%not*base64%%%" })],
      ["Basic with no credentials", () => ({ authorization: "Basic" })],
    ];
    for (const [method, path, body] of routes) {
      for (const [name, headers] of badHeaders) {
        test(`${method} ${path} with ${name}`, async () => {
          expectError(await http(server, method, path, { headers: headers(), body }), 401);
        });
      }
    }

    test("a second API key works until it is revoked, then 401; the first key keeps working", async () => {
      const k = await createApiKey(server, A.project_id);
      assert.equal(typeof k.api_key, "string");
      assert.equal(k.project_id, A.project_id);
      assert.ok(k.id !== undefined && k.id !== null, "api-key create returns an id");
      secrets.add(k.api_key);
      assert.notEqual(k.api_key, A.api_key);
      const s = await created({ ...OWNER }, { key: k.api_key });
      assert.equal(s.project_id, A.project_id);
      // A token made with one key of the project authenticates with another key of it.
      expectJson(await authenticate(s.token, { key: A.api_key }), 201);

      await revokeApiKey(server, A.project_id, k.id);
      // The server caches a key's project for --auth-cache-ms (1 s by default): the revocation is
      // seen within that time, never later.
      const revokedAt = Date.now();
      let res;
      for (;;) {
        res = await create({ ...OWNER }, { key: k.api_key });
        if (res.status === 401 || Date.now() - revokedAt > 3000) break;
        await sleep(100);
      }
      expectError(res, 401);
      assert.ok(Date.now() - revokedAt < 2500, `revocation took ${Date.now() - revokedAt} ms`);
      expectError(await authenticate(s.token, { key: k.api_key }), 401);
      await created({ ...OWNER }, { key: A.api_key });
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe("POST /connect_sessions/authenticate (raw HTTP)", () => {
    test("→ 201 with the session's fields, never token or auth_link_url", async () => {
      const made = await created({
        ...OWNER,
        origin_username: "jane@acme.test",
        provider: "bamboohr",
        categories: ["hris"],
        label: "Acme HR",
        metadata: { source: "my-backend" },
        type: "test",
      });
      const s = expectJson(await authenticate(made.token), 201);
      assert.ok(!Object.hasOwn(s, "token"), `no token in ${JSON.stringify(s)}`);
      assert.ok(!Object.hasOwn(s, "auth_link_url"), `no auth_link_url in ${JSON.stringify(s)}`);
      assert.ok(!JSON.stringify(s).includes(made.token), "the token appears nowhere in the body");
      for (const f of SESSION_FIELDS) {
        assert.deepEqual(s[f], made[f], `authenticate.${f} equals create.${f}`);
      }
      assert.equal(typeof s.id, "number");
      assert.equal(typeof s.organization_id, "number");
      assert.match(s.created_at, ISO_Z);
    });

    test("authenticating does not spend the token (it can be repeated)", async () => {
      const made = await created({ ...OWNER });
      expectJson(await authenticate(made.token), 201);
      expectJson(await authenticate(made.token), 201);
    });

    test("unknown token → 401", async () => {
      const made = await created({ ...OWNER });
      // Same shape as a real token, one character changed.
      const last = made.token.at(-1) === "A" ? "B" : "A";
      expectError(await authenticate(made.token.slice(0, -1) + last), 401);
      expectError(await authenticate("A".repeat(43)), 401);
    });

    test("garbage tokens → 401", async () => {
      for (const t of ["x", "not a token at all!", "💥".repeat(20), "%00%2F..%2F", "t".repeat(10_000)]) {
        expectError(await authenticate(t), 401);
      }
    });

    test("a token of another project → 401", async () => {
      const made = await created({ ...OWNER });
      expectError(await authenticate(made.token, { key: B.api_key }), 401);
      const other = await created({ ...OWNER }, { key: B.api_key });
      expectError(await authenticate(other.token, { key: A.api_key }), 401);
    });

    test("missing token → 400 naming token", async () => {
      expectError(
        await http(server, "POST", "/connect_sessions/authenticate", { auth: A.api_key, body: {} }),
        400,
        { mentions: "token" },
      );
      expectError(await authenticate(null), 400, { mentions: "token" });
    });

    test("expired token (expires_in: 1) → 401", async () => {
      const made = await created({ ...OWNER, expires_in: 1 });
      // Wait past expires_at (at least 1.5 s, at most 3 s).
      const exp = Date.parse(made.expires_at);
      const wait = Number.isNaN(exp) ? 1500 : Math.min(3000, Math.max(1500, exp - Date.now() + 300));
      await sleep(wait);
      expectError(await authenticate(made.token), 401);
    });
  });

  // ---------------------------------------------------------------------------------------------
  test("the server log never contains an API key or a session token", () => {
    const log = server.logs();
    assert.ok(secrets.size >= 3, "collected secrets to look for");
    for (const s of secrets) {
      assert.ok(!log.includes(s), `server log contains a secret (${s.slice(0, 6)}…)`);
    }
  });
});

// The hot path caches a key's project and a project's enabled integrations (--auth-cache-ms). With
// the cache off, every change is seen by the very next request; with it on, within its ttl.
describe("API key and integration cache (--auth-cache-ms)", () => {
  for (const ttl of [0, 500]) {
    test(`--auth-cache-ms ${ttl}: a revoked key and a disabled integration stop creating sessions ${ttl ? "within the ttl" : "at once"}`, async () => {
      const server = await startServer({ args: ["--auth-cache-ms", String(ttl)] });
      try {
        const P = await createProject(server, `cache-${ttl}`);
        await enable(server, P.project_id, "bamboohr");
        const k = await createApiKey(server, P.project_id);
        const post = (key, body) => http(server, "POST", "/connect_sessions", { auth: key, body });
        // Warm the cache: the key's project and the enabled providers are now remembered.
        for (let i = 0; i < 3; i++) expectJson(await post(k.api_key, { ...OWNER, provider: "bamboohr" }), 201);

        const waitFor = async (what, fn) => {
          const t0 = Date.now();
          for (let attempts = 1; ; attempts++) {
            const res = await fn();
            if (res.status !== 201) return { res, attempts, ms: Date.now() - t0 };
            if (Date.now() - t0 > 3000) assert.fail(`${what}: still 201 after ${Date.now() - t0} ms`);
            await sleep(20);
          }
        };
        await disable(server, P.project_id, "bamboohr");
        const d = await waitFor("disabled integration", () => post(P.api_key, { ...OWNER, provider: "bamboohr" }));
        expectError(d.res, 400);
        await revokeApiKey(server, P.project_id, k.id);
        const r = await waitFor("revoked key", () => post(k.api_key, { ...OWNER }));
        expectError(r.res, 401);
        // A CLI call takes tens of ms; the bound is the ttl plus that, never the ttl alone.
        if (ttl === 0) {
          assert.equal(d.attempts, 1, "without a cache the next request sees the disabled integration");
          assert.equal(r.attempts, 1, "without a cache the next request sees the revoked key");
        } else {
          assert.ok(d.ms <= ttl + 400 && r.ms <= ttl + 400, `seen within the ttl (${d.ms}, ${r.ms} ms)`);
        }
      } finally {
        await server.stop();
      }
    });
  }
});
