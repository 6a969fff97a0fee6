// connect.js in host pages on ANOTHER origin (a second server on another port): the modal, the
// inline container, the callbacks, the origin checks on both sides of postMessage, and the same
// through @stackone/react-hub's useStackOneHub({connectUrl}).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  launch, newPage, setup, session, accounts, axe, shot, expectTitle, fill, hostServer, bundle, assertNoProblems, sleep,
  cliJson,
} from "./lib/browser.mjs";

let ctx, browser, host, reactHubJs;

// The host page runs under its own strict CSP: connect.js needs only script-src and frame-src for
// the hub's origin (it styles its elements through the CSSOM, which style-src does not govern).
const hostCsp = (hub) => `default-src 'self'; script-src 'self' ${hub}; frame-src ${hub}; style-src 'self'; img-src 'self'`;

before(async () => {
  ctx = await setup(["demohris", "lever"]);
  browser = await launch();
  reactHubJs = await bundle("pages/react-hub.jsx");
  const hub = ctx.server.url;
  host = await hostServer({
    "/": {
      headers: { "content-security-policy": hostCsp(hub) },
      body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host app</title></head><body>
<main><h1>Host app</h1><button type="button" id="open">Connect your HR system</button>
<div id="hub-container"></div></main>
<script src="${hub}/connect.js"></script><script src="/host.js"></script></body></html>`,
    },
    "/host.js": {
      type: "text/javascript",
      body: `window.events = [];
window.startHub = (token, extra) => Connect.start(Object.assign({ sessionToken: token,
  onSuccess: (a) => events.push(["success", a]), onCancel: () => events.push(["cancel"]), onClose: () => events.push(["close"]) }, extra || {}));`,
    },
    "/react": {
      headers: { "content-security-policy": hostCsp(hub) },
      body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>React host</title></head><body><div id="root"></div><script src="/react.js"></script></body></html>`,
    },
    "/react.js": { type: "text/javascript", body: reactHubJs },
    "/forged": {
      body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Forged</title></head><body>
<iframe title="hub" src="${hub}/link?embed=1&origin=${encodeURIComponent("http://127.0.0.1:9")}"></iframe></body></html>`,
    },
  });
});
after(async () => {
  await browser?.close();
  await host?.close();
  await ctx?.server.stop();
});

const owner = (id) => ({ origin_owner_id: id, origin_owner_name: `Owner ${id}` });
const mine = async (id) => (await accounts(ctx)).filter((a) => a.origin_owner_id === id);
const hubFrame = (page) => page.frameLocator('iframe[title="Connect your account"]');
const events = (page) => page.evaluate(() => window.events ?? window.__events);

async function waitEvents(page, n) {
  for (let i = 0; i < 100; i++) {
    const e = await events(page);
    if (e.length >= n) return e;
    await sleep(50);
  }
  return events(page);
}

test("modal: onSuccess gets {id, provider}; closing after linking fires onClose only", async () => {
  const s = await session(ctx, { ...owner("m1"), provider: "demohris" });
  const page = await newPage(browser);
  await page.goto(host.url);
  assert.notEqual(new URL(host.url).origin, new URL(ctx.server.url).origin, "the host is another origin");
  await page.locator("#open").focus();
  await page.evaluate((t) => window.startHub(t), s.token);
  const dialog = page.getByRole("dialog", { name: "Connect your account" });
  await dialog.waitFor();
  const src = await page.locator("iframe").getAttribute("src");
  assert.ok(!src.includes(s.token), "the token is not in the iframe's URL");
  assert.equal(new URL(src).searchParams.get("origin"), new URL(host.url).origin);
  const hub = hubFrame(page);
  await expectTitle(hub, "Connect Demo HR");
  await axe(page, "modal with the hub");
  await fill(hub, { Company: "modal", "API key": "modal-key-1" });
  await hub.getByRole("button", { name: "Connect", exact: true }).click();
  await expectTitle(hub, "Account connected");
  const [account] = await mine("m1");
  assert.deepEqual(await waitEvents(page, 1), [["success", { id: account.id, provider: "demohris" }]]);
  await shot(page, "connect-modal-success");
  await hub.getByRole("button", { name: "Done" }).click();
  await dialog.waitFor({ state: "detached" });
  assert.deepEqual(await waitEvents(page, 2), [["success", { id: account.id, provider: "demohris" }], ["close"]]);
  assert.equal(await page.evaluate(() => document.activeElement?.id), "open", "focus returns to the host page");
  assertNoProblems(page);
  await page.context().close();
});

test("modal: closing without linking fires onCancel then onClose (close button, Escape, backdrop)", async () => {
  const page = await newPage(browser);
  await page.goto(host.url);
  for (const how of ["button", "escape", "backdrop"]) {
    const s = await session(ctx, { ...owner("m2"), provider: "demohris" });
    await page.evaluate(() => (window.events.length = 0));
    await page.locator("#open").focus();
    await page.evaluate((t) => window.startHub(t), s.token);
    const hub = hubFrame(page);
    await expectTitle(hub, "Connect Demo HR");
    if (how === "button") await hub.getByRole("button", { name: "Close" }).click();
    if (how === "escape") {
      await hub.getByLabel("Company", { exact: true }).focus();
      await page.keyboard.press("Escape");
    }
    if (how === "backdrop") await page.mouse.click(5, 5);
    await page.getByRole("dialog").waitFor({ state: "detached" });
    assert.deepEqual(await waitEvents(page, 2), [["cancel"], ["close"]], how);
  }
  await shot(page, "connect-modal-cancelled");
  assertNoProblems(page);
  await page.context().close();
  assert.equal((await mine("m2")).length, 0);
});

test("inline container mode: the hub renders inside the given element and reports success", async () => {
  const s = await session(ctx, { ...owner("i1") });
  const page = await newPage(browser);
  await page.goto(host.url);
  await page.evaluate((t) => window.startHub(t, { styles: { inline: { containerId: "hub-container", height: "560px" }, options: { bgColor: "#fbfaf7" } } }), s.token);
  const frame = page.locator("#hub-container > iframe");
  await frame.waitFor();
  assert.equal(await page.getByRole("dialog").count(), 0, "no modal");
  assert.equal(Math.round((await frame.boundingBox()).height), 560);
  const hub = hubFrame(page);
  await expectTitle(hub, "Choose an integration");
  assert.equal(await hub.locator("#close").isVisible(), false, "no close button inline unless asked for");
  await hub.getByRole("button", { name: /Demo HR/ }).click();
  await expectTitle(hub, "Connect Demo HR");
  await hub.locator("#back").click();
  await expectTitle(hub, "Choose an integration");
  await hub.getByRole("button", { name: "Lever" }).click();
  await fill(hub, { "API key": "inline-key" });
  await hub.getByRole("button", { name: "Connect", exact: true }).click();
  await expectTitle(hub, "Account connected");
  const [account] = await mine("i1");
  assert.deepEqual(await waitEvents(page, 1), [["success", { id: account.id, provider: "lever" }]]);
  await axe(page, "inline hub");
  await shot(page, "connect-inline");
  assertNoProblems(page);
  await page.context().close();
});

test("origin checks: forged messages are ignored on both sides", async () => {
  // Host side: a message from a window that is not the hub's iframe changes nothing.
  const s = await session(ctx, { ...owner("f1"), provider: "demohris" });
  const page = await newPage(browser);
  await page.goto(host.url);
  await page.evaluate((t) => window.startHub(t), s.token);
  await expectTitle(hubFrame(page), "Connect Demo HR");
  await page.evaluate(() => {
    window.postMessage({ type: "connecthub:success", account: { id: "acc_forged", provider: "x" } }, "*");
    window.postMessage({ type: "connecthub:close" }, "*");
  });
  await sleep(300);
  assert.deepEqual(await events(page), []);
  assert.equal(await page.getByRole("dialog").count(), 1);
  await page.context().close();

  // Hub side: a page that frames the hub naming another origin gets no "ready", and a token posted
  // from the wrong origin is ignored: the hub never calls its API.
  const forged = await newPage(browser);
  const calls = [];
  forged.on("request", (r) => r.url().includes("/hub/") && calls.push(r.url()));
  await forged.goto(`${host.url}/forged`);
  const frame = forged.frames().find((f) => f.url().includes("/link"));
  await frame.waitForLoadState();
  await forged.evaluate((t) => document.querySelector("iframe").contentWindow.postMessage({ type: "connecthub:init", token: t }, "*"), s.token);
  await sleep(500);
  assert.deepEqual(calls, []);
  assert.equal(await frame.locator("#main").getAttribute("aria-busy"), "true", "still waiting for a token");
  await shot(forged, "connect-forged-origin");
  await forged.context().close();
});

test("@stackone/react-hub: useStackOneHub({connectUrl}) drives our connect.js unchanged", async () => {
  const page = await newPage(browser);
  await page.goto(`${host.url}/react?connect=${encodeURIComponent(`${ctx.server.url}/connect.js`)}`);
  const open = page.getByRole("button", { name: "Connect your HR system" });

  // First: close without linking.
  let s = await session(ctx, { ...owner("r1"), provider: "demohris" });
  await page.evaluate((t) => (window.__token = t), s.token);
  await open.click();
  let hub = hubFrame(page);
  await expectTitle(hub, "Connect Demo HR");
  await hub.getByRole("button", { name: "Close" }).click();
  await page.getByRole("dialog").waitFor({ state: "detached" });
  assert.deepEqual(await waitEvents(page, 2), [["cancel"], ["close"]]);

  // Then: open again (react-hub reset its state on close) and link.
  s = await session(ctx, { ...owner("r1"), provider: "demohris" });
  await page.evaluate((t) => ((window.__token = t), (window.__events.length = 0)), s.token);
  await open.click();
  hub = hubFrame(page);
  await expectTitle(hub, "Connect Demo HR");
  await fill(hub, { Company: "react", "API key": "react-key-1" });
  await hub.getByRole("button", { name: "Connect", exact: true }).click();
  await expectTitle(hub, "Account connected");
  const [account] = await mine("r1");
  assert.deepEqual(await waitEvents(page, 1), [["success", { id: account.id, provider: "demohris" }]]);
  await hub.getByRole("button", { name: "Done" }).click();
  assert.deepEqual(await waitEvents(page, 2), [["success", { id: account.id, provider: "demohris" }], ["close"]]);
  await shot(page, "react-hub-closed");
  assertNoProblems(page);
  await page.context().close();
});

test("allowed origins: the hub runs under the project's frame-ancestors; other embedders are refused", async () => {
  const hub = ctx.server.url;
  const allowed = new URL(host.url).origin;
  // The same host server by another name is another origin.
  const other = host.url.replace("127.0.0.1", "localhost");
  const setOrigins = (...o) => cliJson(ctx.server, ["project", "set-origins", "--project", ctx.project.project_id, ...o.flatMap((x) => ["--origin", x])]);
  await setOrigins(allowed);
  try {
    // 1. The allowed host: the page reloads itself once with ?project= and then works as before.
    let s = await session(ctx, { ...owner("ao1"), provider: "demohris" });
    const page = await newPage(browser);
    const documents = [];
    page.on("response", (r) => new URL(r.url()).pathname === "/link" && documents.push(r));
    await page.goto(host.url);
    await page.evaluate((t) => window.startHub(t), s.token);
    const frame = hubFrame(page);
    await expectTitle(frame, "Connect Demo HR");
    const last = documents.at(-1);
    assert.equal(new URL(last.url()).searchParams.get("project"), ctx.project.project_id);
    assert.match(last.headers()["content-security-policy"], new RegExp(`frame-ancestors ${allowed}(;|$)`));
    assert.ok(!last.url().includes(s.token), "the token stays out of URLs after the reload");
    await fill(frame, { Company: "allowed", "API key": "allowed-key-1" });
    await frame.getByRole("button", { name: "Connect", exact: true }).click();
    await expectTitle(frame, "Account connected");
    assert.equal((await mine("ao1")).length, 1);
    assertNoProblems(page);
    await page.context().close();

    // 2. connect.js on an origin that is not allowed: the hub says so and never shows the form.
    s = await session(ctx, { ...owner("ao2"), provider: "demohris" });
    const elsewhere = await newPage(browser);
    await elsewhere.goto(other);
    assert.notEqual(new URL(other).origin, allowed);
    await elsewhere.evaluate((t) => window.startHub(t), s.token);
    await expectTitle(hubFrame(elsewhere), "Can't open here");
    assert.equal(await hubFrame(elsewhere).locator("form").count(), 0);
    await shot(elsewhere, "connect-origin-not-allowed");
    await elsewhere.context().close();

    // 3. A page that frames /link with the token in the fragment (no connect.js, nothing to verify
    //    its origin by): after the reload the browser itself refuses to show the hub in that frame.
    s = await session(ctx, { ...owner("ao3"), provider: "demohris" });
    const framer = await hostServer({
      "/": { body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Framer</title></head><body>
<iframe title="framed hub" src="${hub}/link#token=${s.token}"></iframe></body></html>` },
    });
    try {
      const evil = await newPage(browser);
      const hubApiCalls = [];
      evil.on("request", (r) => r.url().includes("/hub/connectors") && hubApiCalls.push(r.url()));
      const blocked = new Promise((resolve) => evil.on("console", (m) => /frame-ancestors/.test(m.text()) && resolve(m.text())));
      await evil.goto(framer.url);
      const why = await Promise.race([blocked, sleep(10_000).then(() => null)]);
      assert.ok(why, "Chromium reports the frame-ancestors violation");
      await sleep(300);
      const f = evil.frames().find((x) => x !== evil.mainFrame());
      assert.ok(!f || !(await f.locator("form").count().catch(() => 0)), "no credentials form in the refused frame");
      assert.deepEqual(hubApiCalls, [], "the refused page never lists integrations");
      await evil.context().close();
    } finally {
      await framer.close();
    }
  } finally {
    await setOrigins();
  }
});
