// Black-box tests of the accounts API (GET /accounts, GET|PATCH|DELETE /accounts/{id},
// GET /accounts/{id}/meta) through the official SDK (4.28.0) and raw HTTP. Accounts are made the
// way end users make them: a connect session plus POST /hub/accounts.
// Contract: /work/shared/DESIGN.md sections 2, 3, 5, 7; notes/stackone-api.md sections 3 and 7;
// README "Choices where StackOne's API is loose".

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import {
  BadRequestResponse,
  ConflictResponse,
  NotFoundResponse,
  UnauthorizedResponse,
} from "@stackone/stackone-client-ts/sdk/models/errors/index.js";
import {
  startServer, createProject, enable, sdk, http, expectError, expectJson, sleep, ISO_Z,
} from "./lib/harness.mjs";
import { hubCall, createSession, demoCreds, rand, linkAccount } from "./lib/hub.mjs";

const typed = (Cls, status) => (err) => {
  assert.ok(err instanceof Cls, `expected ${Cls.name}, got ${err?.constructor?.name}: ${err?.message}`);
  assert.equal(err.statusCode, status);
  return true;
};

describe("accounts API", () => {
  let server;
  let A; // the main project: demohris, greenhouse, hubspot enabled
  let B; // another project: demohris enabled, no accounts of its own
  let s1; // SDK client of A
  let s1B; // SDK client of B
  const int = {};
  let intB;

  const owner = (tag) => ({ origin_owner_id: `owner-${tag}-${rand()}`, origin_owner_name: `Owner ${tag}` });
  const credsFor = (provider) =>
    provider === "demohris" ? demoCreds() : { client_id: `cid-${rand()}`, client_secret: `csecret_${rand(10)}` };

  /** Creates an account for `o` through a connect session + the hub; returns its id. */
  async function link(o, provider = "demohris", extra = {}, project = A, integrations = int) {
    return linkAccount(server, project.api_key, { ...o, provider, ...extra }, integrations[provider], credsFor(provider));
  }
  const raw = (method, path, body, key = A.api_key) => http(server, method, path, { auth: key, body });
  const rawGet = async (id, key = A.api_key) => expectJson(await raw("GET", `/accounts/${encodeURIComponent(id)}`, undefined, key), 200);
  const rawPatch = (id, body, key = A.api_key) => raw("PATCH", `/accounts/${encodeURIComponent(id)}`, body, key);

  before(async () => {
    server = await startServer();
    A = await createProject(server, "acc-a");
    B = await createProject(server, "acc-b");
    for (const p of ["demohris", "greenhouse", "hubspot"]) int[p] = (await enable(server, A.project_id, p)).integration_id;
    intB = (await enable(server, B.project_id, "demohris")).integration_id;
    s1 = sdk(server, A.api_key);
    s1B = sdk(server, B.api_key);
  });

  after(async () => {
    await server?.stop();
  });

  // ---------------------------------------------------------------------------------------------
  describe("listLinkedAccounts: filters", () => {
    let P; // a project of its own so the expected sets are exact
    let c; // SDK client of P
    const pint = {};
    const o1 = owner("f1");
    const o2 = owner("f2");
    const o3 = owner("f3");
    const ids = {};
    before(async () => {
      P = await createProject(server, "acc-filters");
      for (const p of ["demohris", "greenhouse", "hubspot"]) pint[p] = (await enable(server, P.project_id, p)).integration_id;
      c = sdk(server, P.api_key);
      ids.d1 = await link(o1, "demohris", {}, P, pint);
      ids.g1 = await link(o1, "greenhouse", {}, P, pint);
      ids.d2 = await link(o2, "demohris", {}, P, pint);
      ids.h2 = await link(o2, "hubspot", {}, P, pint);
      ids.g3 = await link(o3, "greenhouse", {}, P, pint);
      expectJson(await http(server, "PATCH", `/accounts/${ids.g3}`, { auth: P.api_key, body: { status: "inactive" } }), 200);
    });
    const idsOf = (res) => res.classes.map((a) => a.id).sort();
    const want = (...names) => names.map((n) => ids[n]).sort();

    test("no filter → every account of the project, in creation order, as LinkedAccount", async () => {
      const res = await c.accounts.listLinkedAccounts({});
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.classes.map((a) => a.id), [ids.d1, ids.g1, ids.d2, ids.h2, ids.g3]);
      for (const a of res.classes) {
        assert.ok(a.createdAt instanceof Date && a.updatedAt instanceof Date);
        assert.ok(["active", "inactive"].includes(a.status));
        assert.equal(typeof a.provider, "string");
        assert.equal(typeof a.providerName, "string");
        assert.equal(a.credentials, undefined, "credentials are never returned");
      }
    });

    test("provider (deprecated) and providers", async () => {
      assert.deepEqual(idsOf(await c.accounts.listLinkedAccounts({ provider: "demohris" })), want("d1", "d2"));
      assert.deepEqual(idsOf(await c.accounts.listLinkedAccounts({ providers: ["greenhouse", "hubspot"] })), want("g1", "h2", "g3"));
      assert.deepEqual(idsOf(await c.accounts.listLinkedAccounts({ providers: ["hubspot"] })), want("h2"));
      assert.deepEqual(idsOf(await c.accounts.listLinkedAccounts({ providers: ["workday"] })), []);
    });

    test("originOwnerId and originOwnerIds", async () => {
      assert.deepEqual(idsOf(await c.accounts.listLinkedAccounts({ originOwnerId: o1.origin_owner_id })), want("d1", "g1"));
      assert.deepEqual(
        idsOf(await c.accounts.listLinkedAccounts({ originOwnerIds: [o1.origin_owner_id, o3.origin_owner_id] })),
        want("d1", "g1", "g3"));
      assert.deepEqual(idsOf(await c.accounts.listLinkedAccounts({ originOwnerId: "nobody" })), []);
    });

    test("accountIds", async () => {
      assert.deepEqual(idsOf(await c.accounts.listLinkedAccounts({ accountIds: [ids.d1, ids.h2] })), want("d1", "h2"));
      assert.deepEqual(idsOf(await c.accounts.listLinkedAccounts({ accountIds: ["acc_nope"] })), []);
    });

    test("status", async () => {
      assert.deepEqual(idsOf(await c.accounts.listLinkedAccounts({ status: ["inactive"] })), want("g3"));
      assert.deepEqual(idsOf(await c.accounts.listLinkedAccounts({ status: ["active"] })), want("d1", "g1", "d2", "h2"));
      assert.deepEqual(idsOf(await c.accounts.listLinkedAccounts({ status: ["active", "inactive"] })), want("d1", "g1", "d2", "h2", "g3"));
      assert.deepEqual(idsOf(await c.accounts.listLinkedAccounts({ status: ["error"] })), []);
    });

    test("filters combine (AND across filters, OR within one)", async () => {
      assert.deepEqual(idsOf(await c.accounts.listLinkedAccounts({ provider: "demohris", originOwnerId: o2.origin_owner_id })), want("d2"));
      assert.deepEqual(
        idsOf(await c.accounts.listLinkedAccounts({ providers: ["greenhouse"], status: ["active"], originOwnerIds: [o1.origin_owner_id, o3.origin_owner_id] })),
        want("g1"));
      assert.deepEqual(idsOf(await c.accounts.listLinkedAccounts({ accountIds: [ids.d1, ids.g3], status: ["inactive"] })), want("g3"));
    });

    test("the raw query the SDK sends (repeated keys) works as is", async () => {
      const q = `providers=demohris&providers=hubspot&origin_owner_ids=${o2.origin_owner_id}&page_size=25`;
      const list = expectJson(await http(server, "GET", `/accounts?${q}`, { auth: P.api_key }), 200);
      assert.deepEqual(list.map((a) => a.id).sort(), want("d2", "h2"));
    });

    test("an unknown status value → 400", async () => {
      expectError(await http(server, "GET", "/accounts?status=paused", { auth: P.api_key }), 400, { mentions: "status" });
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe("listLinkedAccounts: paging", () => {
    let P;
    let c;
    let pint;
    const all = []; // ids in creation order
    before(async () => {
      P = await createProject(server, "acc-paging");
      pint = { demohris: (await enable(server, P.project_id, "demohris")).integration_id };
      const o = owner("paging");
      for (let k = 0; k < 30; k++) all.push(await link(o, "demohris", { multiple: true }, P, pint));
      c = sdk(server, P.api_key);
    });

    test("default page_size is 25 (SDK and raw), page counts from 1", async () => {
      const p1 = await c.accounts.listLinkedAccounts({});
      assert.deepEqual(p1.classes.map((a) => a.id), all.slice(0, 25));
      const p2 = await c.accounts.listLinkedAccounts({ page: 2 });
      assert.deepEqual(p2.classes.map((a) => a.id), all.slice(25));
      const rawList = expectJson(await http(server, "GET", "/accounts", { auth: P.api_key }), 200);
      assert.equal(rawList.length, 25);
      const rawP2 = expectJson(await http(server, "GET", "/accounts?page=2", { auth: P.api_key }), 200);
      assert.equal(rawP2.length, 5);
      const beyond = await c.accounts.listLinkedAccounts({ page: 99 });
      assert.deepEqual(beyond.classes, []);
    });

    test("page_size 1..1000 works; 0, 1001, negative or not a number → 400", async () => {
      assert.equal((await c.accounts.listLinkedAccounts({ pageSize: 1 })).classes.length, 1);
      assert.equal((await c.accounts.listLinkedAccounts({ pageSize: 7, page: 5 })).classes.length, 2);
      assert.equal((await c.accounts.listLinkedAccounts({ pageSize: 1000 })).classes.length, 30);
      for (const bad of ["0", "1001", "-1", "abc", "2.5", ""]) {
        expectError(await http(server, "GET", `/accounts?page_size=${bad}`, { auth: P.api_key }), 400, { mentions: "page_size" });
      }
      for (const bad of ["0", "-1", "x"]) {
        expectError(await http(server, "GET", `/accounts?page=${bad}`, { auth: P.api_key }), 400, { mentions: "page" });
      }
      await assert.rejects(c.accounts.listLinkedAccounts({ pageSize: 0 }), typed(BadRequestResponse, 400));
      await assert.rejects(c.accounts.listLinkedAccounts({ pageSize: 1001 }), typed(BadRequestResponse, 400));
    });

    test("stable paging: accounts added between pages are neither skipped nor repeated", async () => {
      const seen = [];
      const page1 = await c.accounts.listLinkedAccounts({ page: 1, pageSize: 10 });
      seen.push(...page1.classes.map((a) => a.id));
      const o = owner("paging-late");
      const added = [];
      for (let k = 0; k < 7; k++) added.push(await link(o, "demohris", { multiple: true }, P, pint));
      for (let page = 2; page < 20; page++) {
        const res = await c.accounts.listLinkedAccounts({ page, pageSize: 10 });
        if (res.classes.length === 0) break;
        seen.push(...res.classes.map((a) => a.id));
        if (page === 3) added.push(await link(o, "demohris", { multiple: true }, P, pint)); // and one more mid-way
      }
      assert.equal(new Set(seen).size, seen.length, "no account repeated");
      for (const id of all) assert.ok(seen.includes(id), `${id} (existing before page 1) was not skipped`);
      assert.deepEqual(seen, [...all, ...added], "every account once, in creation order");
      all.push(...added);
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe("getAccount, getAccountMetaInfo", () => {
    test("getAccount returns the LinkedAccount the hub created", async () => {
      const o = owner("get");
      const id = await link(o, "demohris", { label: "Acme HR", origin_username: "jane@acme.test", type: "test", metadata: { plan: "gold" } });
      const res = await s1.accounts.getAccount({ id });
      assert.equal(res.statusCode, 200);
      const a = res.linkedAccount;
      assert.equal(a.id, id);
      assert.equal(a.provider, "demohris");
      assert.equal(typeof a.providerName, "string");
      assert.equal(a.originOwnerId, o.origin_owner_id);
      assert.equal(a.originOwnerName, o.origin_owner_name);
      assert.equal(a.originUsername, "jane@acme.test");
      assert.equal(a.label, "Acme HR");
      assert.equal(a.status, "active");
      assert.equal(a.type, "test");
      assert.ok(a.createdAt instanceof Date && a.updatedAt instanceof Date);
      assert.equal(a.credentials, undefined);
      const r = await rawGet(id);
      assert.match(r.created_at, ISO_Z);
      assert.match(r.updated_at, ISO_Z);
      assert.deepEqual(r.metadata, { plan: "gold" });
      assert.ok(!Object.hasOwn(r, "credentials"), "credentials omitted entirely");
      assert.ok(Array.isArray(r.status_reasons));
    });

    test("getAccountMetaInfo → {provider, category, models}", async () => {
      const d = await link(owner("meta-d"), "demohris");
      const g = await link(owner("meta-g"), "greenhouse");
      const md = (await s1.accounts.getAccountMetaInfo({ id: d })).linkedAccountMeta;
      assert.equal(md.provider, "demohris");
      assert.equal(md.category, "hris");
      assert.ok(md.models && typeof md.models === "object");
      const mg = (await s1.accounts.getAccountMetaInfo({ id: g })).linkedAccountMeta;
      assert.equal(mg.provider, "greenhouse");
      assert.equal(mg.category, "ats");
    });

    test("unknown ids → typed NotFoundResponse on get, update, delete and meta", async () => {
      const id = "acc_does_not_exist";
      await assert.rejects(s1.accounts.getAccount({ id }), typed(NotFoundResponse, 404));
      await assert.rejects(s1.accounts.updateAccount({ id, patchAccountExternalDto: {} }), typed(NotFoundResponse, 404));
      await assert.rejects(s1.accounts.deleteAccount({ id }), typed(NotFoundResponse, 404));
      await assert.rejects(s1.accounts.getAccountMetaInfo({ id }), typed(NotFoundResponse, 404));
    });

    test("ids with URL-special characters are percent-decoded: 404, never 400 or 500", async () => {
      for (const id of ["acc 1/x", "a?b=c", "a#b", "a%b", "a%2Fb", "ü-ñ-✓", "a+b", "a;b", "a&b", "..a", "%00", "a\u0001b", "%FF"]) {
        await assert.rejects(s1.accounts.getAccount({ id }), typed(NotFoundResponse, 404), `getAccount(${JSON.stringify(id)})`);
        await assert.rejects(s1.accounts.getAccountMetaInfo({ id }), typed(NotFoundResponse, 404), `meta(${JSON.stringify(id)})`);
        await assert.rejects(s1.accounts.deleteAccount({ id }), typed(NotFoundResponse, 404), `delete(${JSON.stringify(id)})`);
      }
    });

    test("malformed percent-escapes → 400; a NUL byte → 400 or 404; never 5xx", async () => {
      for (const p of ["/accounts/%zz", "/accounts/%", "/accounts/a%2", "/accounts/%G0/meta"]) {
        expectError(await raw("GET", p), 400);
      }
      const nul = await raw("GET", "/accounts/acc_%00x");
      assert.ok(nul.status === 400 || nul.status === 404, `NUL in the id: ${nul.status} ${nul.text}`);
    });

    test("a real id written fully percent-encoded finds the account", async () => {
      const id = await link(owner("pct"), "demohris");
      const enc = [...Buffer.from(id)].map((b) => "%" + b.toString(16).toUpperCase().padStart(2, "0")).join("");
      const r = expectJson(await raw("GET", `/accounts/${enc}`), 200);
      assert.equal(r.id, id);
      assert.equal(expectJson(await raw("GET", `/accounts/${enc}/meta`), 200).provider, "demohris");
    });

    test("a wrong API key → UnauthorizedResponse", async () => {
      const bad = sdk(server, "sk_not_a_real_key");
      await assert.rejects(bad.accounts.listLinkedAccounts({}), typed(UnauthorizedResponse, 401));
      await assert.rejects(bad.accounts.getAccount({ id: "acc_x" }), typed(UnauthorizedResponse, 401));
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe("updateAccount", () => {
    /** An account with every optional field set; returns {id, o}. */
    async function rich(tag) {
      const o = owner(tag);
      const id = await link(o, "demohris", { label: "Original label", origin_username: "orig@acme.test", type: "test", metadata: { keep: "me", n: 1 } });
      return { id, o };
    }
    /** The account's credentials as the hub shows them (non-secret values, secret placeholders). */
    async function hubView(o, id) {
      const s = await createSession(server, A.api_key, { ...o, account_id: id });
      return expectJson(await hubCall(server, s.token, "GET", `/hub/accounts/${id}`), 200);
    }

    test("the SDK's {} objects and default type wipe nothing and change nothing (updated_at unchanged)", async () => {
      const { id, o } = await rich("sdk-empty");
      const before = await rawGet(id);
      const credsBefore = await hubView(o, id);
      await sleep(15);
      const r1 = await s1.accounts.updateAccount({ id, patchAccountExternalDto: {} }); // sends {"type":"production"}
      assert.equal(r1.statusCode, 200);
      assert.equal(r1.linkedAccount.label, "Original label");
      assert.equal(r1.linkedAccount.type, "test", "type is fixed by the session, the SDK's default is ignored");
      const r2 = await s1.accounts.updateAccount({
        id,
        patchAccountExternalDto: { credentials: { a: 1 }, secrets: { b: 2 }, setupInformation: { c: 3 }, metadata: { d: 4 }, label: {} },
      });
      assert.equal(r2.linkedAccount.label, "Original label", "label {} changes nothing");
      const after = await rawGet(id);
      assert.deepEqual(after, before, "nothing changed, updated_at included");
      assert.deepEqual(await hubView(o, id), credsBefore, "credentials were not wiped");
      assert.deepEqual(after.metadata, { keep: "me", n: 1 });
    });

    test("real changes through the SDK apply and move updated_at", async () => {
      const { id } = await rich("sdk-change");
      const before = await rawGet(id);
      await sleep(15);
      const res = await s1.accounts.updateAccount({
        id, patchAccountExternalDto: { originUsername: "new@acme.test", originOwnerName: "Renamed Inc" },
      });
      const a = res.linkedAccount;
      assert.equal(a.originUsername, "new@acme.test");
      assert.equal(a.originOwnerName, "Renamed Inc");
      assert.equal(a.label, "Original label");
      assert.equal(a.type, "test");
      assert.ok(a.updatedAt.getTime() > Date.parse(before.updated_at), "updated_at moved");
      assert.equal(a.createdAt.getTime(), Date.parse(before.created_at), "created_at did not");
      const after = await rawGet(id);
      assert.deepEqual(after.metadata, before.metadata);
      // the same change again is no change
      await sleep(15);
      await s1.accounts.updateAccount({ id, patchAccountExternalDto: { originUsername: "new@acme.test" } });
      assert.equal((await rawGet(id)).updated_at, after.updated_at, "updated_at moves on real change only");
    });

    test('label: raw "x" sets it, raw null clears it, SDK null clears it', async () => {
      const { id } = await rich("label");
      assert.equal(expectJson(await rawPatch(id, { label: "x" }), 200).label, "x");
      assert.equal((await rawGet(id)).label, "x");
      assert.equal(expectJson(await rawPatch(id, { label: null }), 200).label, null);
      assert.equal((await rawGet(id)).label, null);
      expectJson(await rawPatch(id, { label: "again" }), 200);
      const res = await s1.accounts.updateAccount({ id, patchAccountExternalDto: { label: null } });
      assert.ok(res.linkedAccount.label == null);
      expectError(await rawPatch(id, { label: 5 }), 400, { mentions: "label" });
      expectError(await rawPatch(id, { label: "l".repeat(1025) }), 400, { mentions: "label" });
    });

    test("raw metadata object replaces it; {} keeps it", async () => {
      const { id } = await rich("metadata");
      expectJson(await rawPatch(id, { metadata: {} }), 200);
      assert.deepEqual((await rawGet(id)).metadata, { keep: "me", n: 1 });
      expectJson(await rawPatch(id, { metadata: { replaced: true } }), 200);
      assert.deepEqual((await rawGet(id)).metadata, { replaced: true });
    });

    test('status "inactive" appends a status_reasons entry; back to "active" appends another', async () => {
      const { id } = await rich("status");
      const a0 = await rawGet(id);
      await sleep(15);
      const a1 = expectJson(await rawPatch(id, { status: "inactive" }), 200);
      assert.equal(a1.status, "inactive");
      assert.equal(a1.status_reasons.length, a0.status_reasons.length + 1);
      const reason = a1.status_reasons.at(-1);
      assert.match(reason.timestamp, ISO_Z);
      assert.ok(typeof reason.code === "string" || typeof reason.description === "string", JSON.stringify(reason));
      assert.ok(Date.parse(a1.updated_at) > Date.parse(a0.updated_at));
      // inactive again: no change
      const again = expectJson(await rawPatch(id, { status: "inactive" }), 200);
      assert.equal(again.status_reasons.length, a1.status_reasons.length);
      assert.equal(again.updated_at, a1.updated_at);
      const sdkView = (await s1.accounts.getAccount({ id })).linkedAccount;
      assert.equal(sdkView.status, "inactive");
      assert.equal(sdkView.statusReasons.length, a1.status_reasons.length);
      assert.ok(sdkView.statusReasons.at(-1).timestamp instanceof Date);
      const a2 = expectJson(await rawPatch(id, { status: "active" }), 200);
      assert.equal(a2.status, "active");
      assert.equal(a2.status_reasons.length, a1.status_reasons.length + 1);
      expectError(await rawPatch(id, { status: "error" }), 400, { mentions: "status" });
      expectError(await rawPatch(id, { status: "paused" }), 400, { mentions: "status" });
    });

    test("provider cannot change → 400 (SDK BadRequestResponse); the same provider is fine", async () => {
      const { id } = await rich("provider");
      await assert.rejects(
        s1.accounts.updateAccount({ id, patchAccountExternalDto: { provider: "greenhouse" } }),
        (err) => typed(BadRequestResponse, 400)(err) && /provider/i.test(err.message),
      );
      assert.equal((await rawGet(id)).provider, "demohris");
      expectJson(await rawPatch(id, { provider: "demohris" }), 200);
    });

    test("changing the owner onto another account's key → 409 (SDK ConflictResponse); nothing changes", async () => {
      const x = owner("own-x");
      const y = owner("own-y");
      const idX = await link(x, "demohris");
      const idY = await link(y, "demohris");
      const before = await rawGet(idY);
      await assert.rejects(
        s1.accounts.updateAccount({ id: idY, patchAccountExternalDto: { originOwnerId: x.origin_owner_id, originOwnerName: x.origin_owner_name } }),
        typed(ConflictResponse, 409),
      );
      expectError(await rawPatch(idY, { origin_owner_id: x.origin_owner_id, origin_owner_name: x.origin_owner_name }), 409);
      assert.deepEqual(await rawGet(idY), before);
      // another provider for the same owner is another key: no conflict
      const idG = await link(y, "greenhouse");
      const moved = expectJson(await rawPatch(idG, { origin_owner_id: x.origin_owner_id, origin_owner_name: x.origin_owner_name }), 200);
      assert.equal(moved.origin_owner_id, x.origin_owner_id);
      assert.notEqual(idG, idX);
    });

    test("raw credential updates (setup_information, secrets, credentials) are validated, merged and stored encrypted", async () => {
      const { id, o } = await rich("creds");
      const v0 = await hubView(o, id);
      const company = `co-${rand(8)}`;
      const secret = `patchedSecret_${rand(12)}`;
      expectJson(await rawPatch(id, { setup_information: { company } }), 200);
      let v = await hubView(o, id);
      assert.deepEqual(v.setupInformation, { company });
      assert.deepEqual(Object.keys(v.secrets), Object.keys(v0.secrets), "the secret was kept");
      const res = await rawPatch(id, { secrets: { api_key: secret } });
      expectJson(res, 200);
      assert.ok(!res.text.includes(secret), "the secret is not echoed");
      v = await hubView(o, id);
      assert.deepEqual(v.setupInformation, { company });
      assert.ok(!JSON.stringify(v).includes(secret), "the hub never shows the secret");
      const before = await rawGet(id);
      expectError(await rawPatch(id, { secrets: { api_key: "short" } }), 400, { mentions: "API key" });
      expectError(await rawPatch(id, { credentials: { bogus: "x" } }), 400, { mentions: "bogus" });
      expectError(await rawPatch(id, { setup_information: { company: "Not Valid" } }), 400, { mentions: "Company" });
      expectError(await rawPatch(id, { credentials: "x" }), 400, { mentions: "credentials" });
      assert.deepEqual(await rawGet(id), before, "failed PATCHes change nothing");
      for (const f of [server.dbPath, `${server.dbPath}-wal`]) {
        const bytes = await readFile(f).catch((e) => (e.code === "ENOENT" ? Buffer.alloc(0) : Promise.reject(e)));
        assert.ok(!bytes.includes(Buffer.from(secret)), `${f} holds the patched secret in plaintext`);
        assert.ok(!bytes.includes(Buffer.from(company)), `${f} holds the patched company in plaintext`);
      }
    });

    test("bad PATCH bodies → 400/415 naming the field", async () => {
      const { id } = await rich("bad");
      expectError(await rawPatch(id, { origin_owner_idd: "typo" }), 400, { mentions: "origin_owner_idd" });
      expectError(await rawPatch(id, { origin_owner_id: "" }), 400, { mentions: "origin_owner_id" });
      expectError(await rawPatch(id, { origin_owner_id: null }), 400, { mentions: "origin_owner_id" });
      expectError(await rawPatch(id, { origin_owner_name: 5 }), 400, { mentions: "origin_owner_name" });
      expectError(await rawPatch(id, { type: "sandbox" }), 400, { mentions: "type" });
      expectError(await rawPatch(id, { metadata: "x" }), 400, { mentions: "metadata" });
      expectError(await rawPatch(id, "[1]"), 400);
      expectError(await rawPatch(id, "{oops"), 400);
      expectError(await http(server, "PATCH", `/accounts/${id}`, { auth: A.api_key, body: "{}", headers: { "content-type": "text/plain" } }), 415);
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe("deleteAccount", () => {
    test("200 with the deleted account, then 404 everywhere; it leaves the list", async () => {
      const o = owner("del");
      const id = await link(o, "demohris", { label: "to delete" });
      const res = await s1.accounts.deleteAccount({ id });
      assert.equal(res.statusCode, 200);
      assert.equal(res.linkedAccount.id, id);
      assert.equal(res.linkedAccount.label, "to delete");
      await assert.rejects(s1.accounts.getAccount({ id }), typed(NotFoundResponse, 404));
      await assert.rejects(s1.accounts.deleteAccount({ id }), typed(NotFoundResponse, 404));
      await assert.rejects(s1.accounts.getAccountMetaInfo({ id }), typed(NotFoundResponse, 404));
      await assert.rejects(s1.accounts.updateAccount({ id, patchAccountExternalDto: {} }), typed(NotFoundResponse, 404));
      assert.deepEqual((await s1.accounts.listLinkedAccounts({ originOwnerId: o.origin_owner_id })).classes, []);
      // a connect session can no longer name it
      expectError(await http(server, "POST", "/connect_sessions", { auth: A.api_key, body: { ...o, account_id: id } }), 404);
      // and the owner can link again from scratch
      const again = await link(o, "demohris");
      assert.notEqual(again, id);
    });

    test("a session made for an account that is deleted before completion cannot complete", async () => {
      const o = owner("del-session");
      const id = await link(o, "demohris");
      const s = await createSession(server, A.api_key, { ...o, account_id: id });
      expectJson(await raw("DELETE", `/accounts/${id}`), 200);
      const res = await hubCall(server, s.token, "POST", "/hub/accounts", { integration_id: int.demohris, credentials: demoCreds() });
      assert.ok(res.status >= 400 && res.status < 500, `4xx, got ${res.status}: ${res.text}`);
      assert.deepEqual((await s1.accounts.listLinkedAccounts({ originOwnerId: o.origin_owner_id })).classes, []);
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe("isolation between projects", () => {
    let o;
    let id;
    let before;
    test("setup: an account in project A", async () => {
      o = owner("iso");
      id = await link(o, "demohris", { label: "A's" });
      before = await rawGet(id);
    });

    test("project B's key sees an empty list, even when filtering by A's ids", async () => {
      assert.deepEqual((await s1B.accounts.listLinkedAccounts({})).classes, []);
      assert.deepEqual((await s1B.accounts.listLinkedAccounts({ accountIds: [id] })).classes, []);
      assert.deepEqual((await s1B.accounts.listLinkedAccounts({ originOwnerId: o.origin_owner_id })).classes, []);
    });

    test("project B's key gets 404 for get, patch, delete and meta of A's account", async () => {
      await assert.rejects(s1B.accounts.getAccount({ id }), typed(NotFoundResponse, 404));
      await assert.rejects(s1B.accounts.updateAccount({ id, patchAccountExternalDto: { originUsername: "hijack" } }), typed(NotFoundResponse, 404));
      await assert.rejects(s1B.accounts.deleteAccount({ id }), typed(NotFoundResponse, 404));
      await assert.rejects(s1B.accounts.getAccountMetaInfo({ id }), typed(NotFoundResponse, 404));
      expectError(await rawPatch(id, { label: "hijack" }, B.api_key), 404);
      assert.deepEqual(await rawGet(id), before, "A's account is unchanged");
    });

    test("project B's hub tokens cannot read or edit A's account (403), nor name it in a session (404)", async () => {
      const sB = await createSession(server, B.api_key, { ...o, provider: "demohris" });
      expectError(await hubCall(server, sB.token, "GET", `/hub/accounts/${id}`), 403);
      expectError(await hubCall(server, sB.token, "PATCH", `/hub/accounts/${id}`, { integration_id: intB, credentials: demoCreds() }), 403);
      expectError(await hubCall(server, sB.token, "PATCH", `/hub/accounts/${id}`, { integration_id: int.demohris, credentials: demoCreds() }), 403);
      expectError(await http(server, "POST", "/connect_sessions", { auth: B.api_key, body: { ...o, account_id: id } }), 404);
      // the same owner in B gets an account of B's own, not A's
      const made = expectJson(await hubCall(server, sB.token, "POST", "/hub/accounts", { integration_id: intB, credentials: demoCreds() }), 201);
      assert.notEqual(made.id, id);
      assert.deepEqual(await rawGet(id), before, "A's account is unchanged");
      assert.deepEqual((await s1B.accounts.listLinkedAccounts({})).classes.map((a) => a.id), [made.id]);
    });
  });
});
