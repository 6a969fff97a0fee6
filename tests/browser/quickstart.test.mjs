// The quickstart as a newcomer sees it: the example backend (examples/backend, C++, using
// connecthub_client) in front of the real server. In Chromium: sign in as a demo user, press Connect,
// pick Demo HR in the hub, link it, see it listed; Connect again for the same provider and see it
// updated, not duplicated. Over plain HTTP: the seed's endpoint ignores an owner sent by the browser,
// answers the seed's 500 text when connecthub refuses, and needs a signed-in user.
//
// The backend binary: $CONNECTHUB_EXAMPLE_BACKEND_BIN, or examples/backend/example_backend in the
// build directory of $CONNECTHUB_BIN (default build/).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { access, constants as fsc } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { binPath } from "../node/lib/harness.mjs";
import {
  launch, newPage, setup, http, accounts, axe, shot, expectTitle, fill, assertNoProblems, sleep,
} from "./lib/browser.mjs";

let ctx, browser, backend;

const backendBin = () =>
  process.env.CONNECTHUB_EXAMPLE_BACKEND_BIN || path.join(path.dirname(binPath()), "examples/backend/example_backend");

async function freePort() {
  const srv = net.createServer().listen(0, "127.0.0.1");
  await once(srv, "listening");
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

/** Starts the example backend against ctx.server with the project's API key in its environment. */
async function startBackend(apiKey) {
  const bin = backendBin();
  await access(bin, fsc.X_OK).catch(() => {
    throw new Error(`example backend not built: ${bin} (cmake --build <dir> --target example_backend)`);
  });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logs = [];
  const child = spawn(bin, [], {
    env: {
      PATH: process.env.PATH,
      CONNECTHUB_API_KEY: apiKey,
      CONNECTHUB_URL: ctx.server.url,
      CONNECTHUB_PUBLIC_URL: ctx.server.url,
      EXAMPLE_BACKEND_LISTEN: `127.0.0.1:${port}`,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const s of [child.stdout, child.stderr]) s.setEncoding("utf8").on("data", (d) => logs.push(d));
  let exited = null;
  child.once("exit", (code) => (exited = code));
  for (let i = 0; ; i++) {
    if (exited !== null) throw new Error(`example backend exited (${exited}):\n${logs.join("")}`);
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) break;
    } catch { /* not listening yet */ }
    if (i > 200) throw new Error(`example backend not ready:\n${logs.join("")}`);
    await sleep(50);
  }
  return {
    url,
    logs: () => logs.join(""),
    stop: async () => {
      if (exited === null) {
        child.kill("SIGTERM");
        await once(child, "exit");
      }
    },
  };
}

before(async () => {
  ctx = await setup(["demohris", "greenhouse"]);
  backend = await startBackend(ctx.apiKey);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await backend?.stop();
  await ctx?.server.stop();
});

const accountsOf = async (owner) => (await accounts(ctx)).filter((a) => a.origin_owner_id === owner);
const hub = (page) => page.frameLocator('iframe[title="Connect your account"]');
const listed = (page) =>
  page.locator("#accounts li").evaluateAll((lis) => lis.map((li) => ({ ...li.dataset })));

/** Signs in through the page's form as the demo user whose label matches `who`. */
async function signIn(page, who) {
  await page.goto(backend.url);
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await page.getByLabel(who).check();
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Integrations" }).waitFor();
}

async function closeHub(page) {
  await hub(page).getByRole("button", { name: "Done" }).click();
  await page.getByRole("dialog").waitFor({ state: "detached" });
}

async function waitListed(page, predicate) {
  for (let i = 0; i < 100; i++) {
    const items = await listed(page);
    if (predicate(items)) return items;
    await sleep(50);
  }
  return listed(page);
}

test("sign in, Connect, pick Demo HR in the hub, link it: the account is listed", async () => {
  const page = await newPage(browser);
  await signIn(page, /Jane Doe/);
  await page.getByText("No linked accounts yet").waitFor();
  // The hub's origin is the only outside origin the page may load scripts and frames from.
  const csp = (await page.request.get(backend.url)).headers()["content-security-policy"];
  assert.match(csp, new RegExp(`script-src 'self' ${ctx.server.url};`));
  assert.match(csp, new RegExp(`frame-src ${ctx.server.url};`));
  // The enabled integrations, for the page's own provider choice.
  assert.deepEqual(await page.locator("#provider option").allInnerTexts(),
    ["Let me choose in the hub", "Demo HR (accepts any credentials)", "Greenhouse"]);
  await axe(page, "demo page");

  await page.getByRole("button", { name: "Connect", exact: true }).click();
  await page.getByRole("dialog", { name: "Connect your account" }).waitFor();
  await expectTitle(hub(page), "Choose an integration");
  await hub(page).getByRole("button", { name: /^Demo HR/ }).click();
  await expectTitle(hub(page), "Connect Demo HR");
  await fill(hub(page), { Company: "acme", "API key": "acme-demo-key-1" });
  await hub(page).getByRole("button", { name: "Connect", exact: true }).click();
  await expectTitle(hub(page), "Account connected");
  await closeHub(page);

  const items = await waitListed(page, (x) => x.length === 1);
  assert.equal(items.length, 1);
  assert.equal(items[0].provider, "demohris");
  await page.getByRole("status").filter({ hasText: "Linked your Demo HR (accepts any credentials) account." }).waitFor();
  await page.locator("#accounts li.new").getByText("Demo HR (accepts any credentials)").waitFor();
  await page.getByText("Linked by jane@acme.test").waitFor();
  await axe(page, "demo page with an account");
  await shot(page, "quickstart-linked");

  // Through the API: the owner is Jane's organization, set by the backend, with its metadata.
  const [a] = await accountsOf("customer-123");
  assert.equal(a.id, items[0].accountId);
  assert.equal(a.origin_owner_name, "Acme Inc");
  assert.equal(a.origin_username, "jane@acme.test");
  assert.deepEqual(a.metadata, { source: "my-backend" });
  assertNoProblems(page);
  await page.context().close();
});

test("Connect again for the same provider: the account is updated, not duplicated", async () => {
  const page = await newPage(browser);
  await signIn(page, /Sam Lee/); // another user of the same organization
  const [before] = await waitListed(page, (x) => x.length === 1);
  assert.equal(before.provider, "demohris", "the organization's account is listed for every member");

  // Once through the hub's picker: the server says the organization already has a Demo HR account,
  // so picking it opens that account's edit page ...
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  await expectTitle(hub(page), "Choose an integration");
  await hub(page).getByRole("button", { name: /^Demo HR/ }).click();
  await expectTitle(hub(page), "Update Demo HR");
  assert.equal(await hub(page).getByLabel("Company", { exact: true }).inputValue(), "acme");
  await fill(hub(page), { Company: "acme-two", "API key": "acme-demo-key-2" });
  await hub(page).getByRole("button", { name: "Save changes" }).click();
  await expectTitle(hub(page), "Account updated");
  await closeHub(page);
  let items = await waitListed(page, (x) => x.length === 1 && x[0].updatedAt !== before.updatedAt);
  assert.equal(items.length, 1);
  assert.equal(items[0].accountId, before.accountId);
  assert.notEqual(items[0].updatedAt, before.updatedAt);

  // ... and once with the provider chosen on the page: the hub opens the edit page directly.
  const second = items[0];
  await page.getByLabel("Provider").selectOption("demohris");
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  await expectTitle(hub(page), "Update Demo HR");
  assert.equal(await hub(page).getByLabel("Company", { exact: true }).inputValue(), "acme-two");
  await fill(hub(page), { Company: "acme-three" });
  await hub(page).getByRole("button", { name: "Save changes" }).click();
  await expectTitle(hub(page), "Account updated");
  await closeHub(page);
  items = await waitListed(page, (x) => x.length === 1 && x[0].updatedAt !== second.updatedAt);
  assert.equal(items.length, 1);
  assert.equal(items[0].accountId, before.accountId);
  assert.equal(items[0].provider, "demohris");
  await shot(page, "quickstart-updated");

  const all = await accountsOf("customer-123");
  assert.equal(all.length, 1, "updated, not duplicated");
  assert.equal(all[0].origin_username, "sam@acme.test", "the latest session's username is stored");
  assertNoProblems(page);
  await page.context().close();
});

test("another organization sees none of these accounts", async () => {
  const page = await newPage(browser);
  await signIn(page, /Kim Park/);
  await page.getByText("No linked accounts yet").waitFor();
  assert.deepEqual(await listed(page), []);
  // Nor can it delete them through the backend.
  const [acme] = await accountsOf("customer-123");
  const res = await page.evaluate(async (id) => (await fetch(`/api/accounts/${id}`, { method: "DELETE" })).status, acme.id);
  assert.equal(res, 404);
  assert.equal((await accountsOf("customer-123")).length, 1);
  assertNoProblems(page);
  await page.context().close();
});

test("Disconnect unlinks the account through the backend", async () => {
  const page = await newPage(browser);
  await signIn(page, /Jane Doe/);
  await waitListed(page, (x) => x.length === 1);
  await page.getByRole("button", { name: /^Disconnect Demo HR/ }).click();
  await page.getByText("No linked accounts yet").waitFor();
  await page.getByRole("status").filter({ hasText: "Disconnected Demo HR" }).waitFor();
  assert.deepEqual(await accountsOf("customer-123"), []);
  assertNoProblems(page);
  await page.context().close();
});

// ------------------------------------------------------------------ the seed's endpoint over HTTP

/** A signed-in cookie for the demo user `email`. */
async function login(email) {
  const res = await fetch(`${backend.url}/api/login`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email }),
  });
  assert.equal(res.status, 200);
  return res.headers.get("set-cookie").split(";")[0];
}

async function connectSession(cookie, body) {
  const res = await fetch(`${backend.url}/stackone_connect_sessions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
}

test("the endpoint ignores an origin_owner_id (and owner name, metadata) sent by the browser", async () => {
  const cookie = await login("kim@globex.test");
  const res = await connectSession(cookie, {
    originUsername: "kim@globex.test",
    provider: "demohris",
    origin_owner_id: "customer-123",
    origin_owner_name: "Acme Inc",
    metadata: { source: "browser" },
  });
  assert.equal(res.status, 200, res.text);
  const body = JSON.parse(res.text);
  assert.deepEqual(Object.keys(body), ["token"]);
  // What connecthub stored for that token, read with the API key.
  const s = await http(ctx.server, "POST", "/connect_sessions/authenticate", { auth: ctx.apiKey, body: { token: body.token } });
  assert.equal(s.status, 201, s.text);
  assert.equal(s.json.origin_owner_id, "customer-456");
  assert.equal(s.json.origin_owner_name, "Globex Corporation");
  assert.equal(s.json.origin_username, "kim@globex.test");
  assert.equal(s.json.provider, "demohris");
  assert.deepEqual(s.json.metadata, { source: "my-backend" });
});

test("without provider the session lets the user choose; originUsername is passed through", async () => {
  const cookie = await login("jane@acme.test");
  const res = await connectSession(cookie, { originUsername: "someone@acme.test" });
  assert.equal(res.status, 200, res.text);
  const s = await http(ctx.server, "POST", "/connect_sessions/authenticate", { auth: ctx.apiKey, body: { token: JSON.parse(res.text).token } });
  assert.equal(s.json.provider, null);
  assert.equal(s.json.origin_username, "someone@acme.test");
  assert.equal(s.json.origin_owner_id, "customer-123");
});

test("when connecthub refuses, the seed's 500 'error when trying to fetch session'", async () => {
  const cookie = await login("jane@acme.test");
  const res = await connectSession(cookie, { originUsername: "jane@acme.test", provider: "bamboohr" }); // not enabled
  assert.equal(res.status, 500);
  assert.equal(res.text, "error when trying to fetch session");
  assert.ok(!res.text.includes(ctx.apiKey));
  // The reason is in the backend's log, without the API key.
  for (let i = 0; i < 20 && !backend.logs().includes("bamboohr"); i++) await sleep(50);
  assert.match(backend.logs(), /400 provider 'bamboohr'/);
  assert.ok(!backend.logs().includes(ctx.apiKey), "the API key is never logged");
});

test("the endpoint needs a signed-in user and a same-origin JSON request", async () => {
  assert.equal((await connectSession(null, { originUsername: "x", provider: "demohris" })).status, 401);
  const cookie = await login("jane@acme.test");
  const cross = await fetch(`${backend.url}/stackone_connect_sessions`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie, origin: "https://evil.example" },
    body: "{}",
  });
  assert.equal(cross.status, 403);
  const form = await fetch(`${backend.url}/stackone_connect_sessions`, {
    method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", cookie }, body: "provider=demohris",
  });
  assert.equal(form.status, 415);
});
