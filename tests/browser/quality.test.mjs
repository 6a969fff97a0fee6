// What a person notices: the page's headers (CSP, caching), its size on the wire and speed on a slow
// connection, no layout shift, keyboard-only use, a 360 px wide screen, light and dark themes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  launch, newPage, setup, session, accounts, axe, shot, expectTitle, assertNoProblems, http,
} from "./lib/browser.mjs";

const PROVIDERS = ["demohris", "bamboohr", "hibob", "personio", "workday", "greenhouse", "lever", "ashby", "salesforce", "hubspot", "okta", "jira"];
let ctx, browser;

before(async () => {
  ctx = await setup(PROVIDERS.filter(Boolean));
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await ctx?.server.stop();
});

const link = async (body = {}) => (await session(ctx, { origin_owner_id: "q", origin_owner_name: "Quality Ltd", ...body })).auth_link_url;

test("headers: a strict CSP with a fresh nonce on every tag, hashed assets cached for a year", async () => {
  const a = await http(ctx.server, "GET", "/link");
  const b = await http(ctx.server, "GET", "/link");
  assert.equal(a.status, 200);
  const csp = a.headers["content-security-policy"];
  const nonce = /script-src 'nonce-([^']+)'/.exec(csp)[1];
  assert.notEqual(nonce, /script-src 'nonce-([^']+)'/.exec(b.headers["content-security-policy"])[1], "a fresh nonce per response");
  assert.match(csp, /default-src 'none'/);
  assert.ok(!a.text.includes("__CSP_NONCE__"));
  const tags = a.text.match(/<(script|link rel="stylesheet")[^>]*>/g);
  assert.equal(tags.length, 3, a.text);
  for (const t of tags) assert.ok(t.includes(`nonce="${nonce}"`), `${t} carries the nonce`);
  assert.ok(!/ style=|\son[a-z]+=/i.test(a.text), "no inline style attributes or event handlers");

  const assets = [...a.text.matchAll(/(?:src|href)="(assets\/[^"]+)"/g)].map((m) => m[1]);
  assert.equal(assets.length, 2);
  for (const asset of assets) {
    assert.match(asset, /^assets\/[a-z]+-[A-Z0-9]{8}\.(js|css)$/, "content-hashed name");
    const r = await http(ctx.server, "GET", `/${asset}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers["cache-control"], "public, max-age=31536000, immutable");
  }
  const c = await http(ctx.server, "GET", "/connect.js");
  assert.equal(c.status, 200);
  assert.match(c.headers["content-type"], /javascript/);
  assert.equal(c.headers["cache-control"], "public, max-age=300");
  assert.ok(c.text.length < 6000, `connect.js is ${c.text.length} bytes`);
});

test("size and speed: the page is small, loads quickly on a slow connection, and never shifts", async () => {
  const page = await newPage(browser);
  await page.addInitScript(() => {
    window.__shifts = [];
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) if (!e.hadRecentInput) window.__shifts.push(e.value);
    }).observe({ type: "layout-shift", buffered: true });
  });
  // "Slow 3G": 400 ms round trips, 50 KB/s down.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 400, downloadThroughput: 50 * 1024, uploadThroughput: 50 * 1024 });
  const sizes = [];
  page.on("requestfinished", async (r) => {
    const s = await r.sizes();
    sizes.push({ path: new URL(r.url()).pathname, bytes: s.responseBodySize + s.responseHeadersSize });
  });
  const url = await link();
  const t0 = Date.now();
  await page.goto(url);
  await expectTitle(page, "Choose an integration");
  const elapsed = Date.now() - t0;
  await page.waitForLoadState("networkidle");
  const pageBytes = sizes.filter((s) => s.path === "/link" || s.path.startsWith("/assets/")).reduce((n, s) => n + s.bytes, 0);
  const allBytes = sizes.reduce((n, s) => n + s.bytes, 0);
  console.log(`hub page: ${pageBytes} bytes transferred (document + assets, headers included); ` +
    `with the hub API and ${sizes.filter((s) => s.path.startsWith("/logos/")).length} logos: ${allBytes} bytes; ` +
    `provider list shown after ${elapsed} ms on 400 ms RTT / 50 KB/s`);
  assert.ok(pageBytes < 30 * 1024, `the page is ${pageBytes} bytes`);
  assert.ok(elapsed < 8000, `slow-connection load took ${elapsed} ms`);

  // Through the screens: no layout shift at any point.
  await page.getByRole("button", { name: "BambooHR" }).click();
  await expectTitle(page, "Connect BambooHR");
  await page.locator("#back").click();
  await expectTitle(page, "Choose an integration");
  const shifts = await page.evaluate(() => window.__shifts);
  const cls = shifts.reduce((a, b) => a + b, 0);
  assert.ok(cls < 0.001, `cumulative layout shift ${cls} (${shifts.join(", ")})`);
  assertNoProblems(page);
  await page.context().close();
});

test("keyboard only: find, pick, fill in, reveal a secret and submit with Tab, Enter and Space", async () => {
  const page = await newPage(browser);
  await page.goto(await link());
  await expectTitle(page, "Choose an integration");
  const active = () => page.evaluate(() => {
    const e = document.activeElement;
    return { tag: e.tagName, id: e.id, text: (e.textContent || "").trim(), provider: e.dataset?.provider ?? null,
      outline: getComputedStyle(e).outlineStyle, label: e.labels?.[0]?.textContent ?? null };
  });
  const tabTo = async (match, max = 40, key = "Tab") => {
    for (let i = 0; i < max; i++) {
      await page.keyboard.press(key);
      const a = await active();
      if (match(a)) return a;
    }
    throw new Error(`focus never reached the target: ${JSON.stringify(await active())}`);
  };
  await tabTo((a) => a.id === "search");
  await page.keyboard.type("demo");
  const tile = await tabTo((a) => a.provider === "demohris", 3);
  assert.notEqual(tile.outline, "none", "a visible focus indicator");
  await page.keyboard.press("Enter");
  await expectTitle(page, "Connect Demo HR");
  // Back and forth by keyboard: the back button, then Enter on the same tile again.
  await tabTo((a) => a.id === "back", 3, "Shift+Tab");
  await page.keyboard.press("Enter");
  await expectTitle(page, "Choose an integration");
  assert.equal((await active()).provider, "demohris", "focus is back on the tile picked before");
  await page.keyboard.press("Enter");
  await expectTitle(page, "Connect Demo HR");
  await tabTo((a) => a.label === "Company", 5);
  await page.keyboard.type("keyboard");
  await tabTo((a) => a.label === "API key", 2);
  await page.keyboard.type("keyboard-key-1");
  await tabTo((a) => a.tag === "BUTTON" && a.text.startsWith("Show"), 2);
  await page.keyboard.press("Space");
  assert.equal(await page.getByLabel("API key", { exact: true }).getAttribute("type"), "text");
  assert.match((await active()).text, /^Hide/);
  await tabTo((a) => a.text === "Connect", 2);
  await page.keyboard.press("Enter");
  await expectTitle(page, "Account connected");
  await shot(page, "keyboard-success");
  assertNoProblems(page);
  await page.context().close();
  assert.ok((await accounts(ctx)).some((a) => a.origin_owner_id === "q" && a.provider === "demohris"));
});

test("360 px wide: every screen fits without sideways scrolling", async () => {
  const page = await newPage(browser, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const fits = async (label) => {
    const w = await page.evaluate(() => [document.documentElement.scrollWidth, document.getElementById("view").scrollWidth, document.getElementById("view").clientWidth]);
    assert.ok(w[0] <= 360 && w[1] <= w[2], `${label}: content ${w.join("/")} wider than 360 px`);
    await axe(page, `${label} at 360 px`);
  };
  await page.goto(await link({ categories: ["hris", "ats"] }));
  await expectTitle(page, "Choose a category");
  await fits("categories");
  await page.getByRole("button", { name: /HR \(HRIS\)/ }).tap();
  await expectTitle(page, "HR (HRIS)");
  await fits("provider list");
  await shot(page, "mobile-360-list");
  await page.getByRole("button", { name: "Workday" }).tap();
  await expectTitle(page, "Connect Workday");
  await page.getByRole("button", { name: "Connect", exact: true }).tap();
  await page.getByText("Enter Tenant.").waitFor();
  await fits("form with errors");
  await shot(page, "mobile-360-form", { fullPage: true });
  assertNoProblems(page);
  await page.context().close();
});

test("themes: prefers-color-scheme, and theme=light|dark overriding it", async () => {
  const bg = (page) => page.evaluate(() => getComputedStyle(document.getElementById("main")).backgroundColor);
  const dark = await newPage(browser, { colorScheme: "light" });
  await dark.goto(`${await link({ provider: "workday" })}&theme=dark`);
  await expectTitle(dark, "Connect Workday");
  assert.equal(await bg(dark), "rgb(23, 26, 32)");
  await axe(dark, "dark theme");
  await shot(dark, "theme-dark-form");
  await dark.getByRole("button", { name: "Connect", exact: true }).click();
  await dark.getByText("Enter Tenant.").waitFor();
  await axe(dark, "dark theme with errors");
  await shot(dark, "theme-dark-errors");
  assertNoProblems(dark);
  await dark.context().close();

  const system = await newPage(browser, { colorScheme: "dark" });
  await system.goto(await link());
  await expectTitle(system, "Choose an integration");
  assert.equal(await bg(system), "rgb(23, 26, 32)", "follows the system's dark preference");
  await axe(system, "system dark theme");
  await shot(system, "theme-dark-list");
  await system.goto(`${await link()}&theme=light`);
  await expectTitle(system, "Choose an integration");
  assert.equal(await bg(system), "rgb(255, 255, 255)", "theme=light wins over the system preference");
  assertNoProblems(system);
  await system.context().close();
});

test("a desktop screenshot of the provider list (docs/hub.png)", async () => {
  const page = await newPage(browser, { viewport: { width: 1100, height: 820 } });
  await page.goto(await link());
  await expectTitle(page, "Choose an integration");
  await page.waitForLoadState("networkidle");
  await shot(page, "hub-desktop");
  assertNoProblems(page);
  await page.context().close();
});
