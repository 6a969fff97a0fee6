// What the end user sees when something is wrong: an expired, spent or invalid link, a provider
// that rejects the credentials, fields that fail validation. Each time: the right screen or
// message, and nothing stored.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  launch, newPage, setup, session, accounts, axe, shot, expectTitle, fill, fakeBamboo, assertNoProblems, http, sleep,
} from "./lib/browser.mjs";

const GOOD_KEY = "0123456789abcdef0123456789abcdef01234567";
const BAD_KEY = "ffffffffffffffffffffffffffffffffffffffff";
let ctx, browser, bamboo;

before(async () => {
  bamboo = await fakeBamboo(GOOD_KEY);
  ctx = await setup({ demohris: {}, bamboohr: { base_url: bamboo.url }, lattice: {} }, { env: { CONNECTHUB_VERIFY_ALLOW_PRIVATE: "1" } });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await ctx?.server.stop();
  await bamboo?.close();
});

const mine = async (owner) => (await accounts(ctx)).filter((a) => a.origin_owner_id === owner);

test("an expired link: a clear screen, nothing to fill in", async () => {
  const s = await session(ctx, { origin_owner_id: "exp", origin_owner_name: "Expired Inc", provider: "demohris", expires_in: 1 });
  await sleep(1100);
  const page = await newPage(browser);
  await page.goto(s.auth_link_url);
  await expectTitle(page, "Link no longer valid");
  await page.getByRole("heading", { name: /expired/ }).waitFor();
  assert.equal(await page.locator("form").count(), 0);
  await axe(page, "expired screen");
  await shot(page, "error-expired");
  assertNoProblems(page);
  await page.context().close();
  assert.equal((await mine("exp")).length, 0);
});

test("a link that expires while the form is open: the expired screen on submit, nothing stored", async () => {
  const s = await session(ctx, { origin_owner_id: "exp2", origin_owner_name: "Expired Inc", provider: "demohris", expires_in: 2 });
  const page = await newPage(browser);
  await page.goto(s.auth_link_url);
  await expectTitle(page, "Connect Demo HR");
  await fill(page, { Company: "late", "API key": "late-key-123" });
  await sleep(2100);
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  await expectTitle(page, "Link no longer valid");
  await shot(page, "error-expired-on-submit");
  assertNoProblems(page);
  await page.context().close();
  assert.equal((await mine("exp2")).length, 0);
});

test("a spent link: opening it again says it was already used", async () => {
  const s = await session(ctx, { origin_owner_id: "spent", origin_owner_name: "Spent Inc", provider: "demohris" });
  const page = await newPage(browser);
  await page.goto(s.auth_link_url);
  await expectTitle(page, "Connect Demo HR");
  await fill(page, { Company: "once", "API key": "once-key-123" });
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  await expectTitle(page, "Account connected");
  await page.reload();
  await expectTitle(page, "Link no longer valid");
  await page.getByRole("heading", { name: /already been used/ }).waitFor();
  await axe(page, "spent screen");
  await shot(page, "error-spent");
  assertNoProblems(page);
  await page.context().close();
  assert.equal((await mine("spent")).length, 1, "only the first completion stored anything");
});

test("an invalid token or none at all", async () => {
  const page = await newPage(browser);
  await page.goto(`${ctx.server.url}/link#token=not-a-real-token`);
  await expectTitle(page, "Link no longer valid");
  await page.getByRole("heading", { name: /not valid/ }).waitFor();
  await shot(page, "error-invalid-token");
  await page.goto(`${ctx.server.url}/link`);
  await page.reload();
  await expectTitle(page, "Link incomplete");
  await axe(page, "incomplete link");
  await shot(page, "error-incomplete-link");
  assertNoProblems(page);
  await page.context().close();
});

test("the provider rejects the credentials: its message is shown, nothing stored, then a retry works", async () => {
  const s = await session(ctx, { origin_owner_id: "rej", origin_owner_name: "Rejected Inc", provider: "bamboohr" });
  const page = await newPage(browser);
  await page.goto(s.auth_link_url);
  await expectTitle(page, "Connect BambooHR");
  await page.getByRole("link", { name: /Where to find these details/ }).waitFor();
  await fill(page, { "Company subdomain": "acme", "API key": BAD_KEY });
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  const alert = page.getByRole("alert");
  await alert.filter({ hasText: "BambooHR rejected these credentials" }).waitFor();
  assert.match(await alert.innerText(), /BambooHR said: Invalid API key provided\./);
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("role")), "alert", "focus moves to the message");
  await expectTitle(page, "Connect BambooHR");
  assert.equal(await page.getByLabel("Company subdomain").inputValue(), "acme", "what was typed is kept");
  await axe(page, "provider rejection");
  await shot(page, "error-provider-rejected");
  assert.equal((await mine("rej")).length, 0, "nothing stored");
  assert.deepEqual(bamboo.requests.at(-1), { method: "GET", url: "/meta/fields", auth: `${BAD_KEY}:x` });

  await fill(page, { "API key": GOOD_KEY });
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  await expectTitle(page, "Account connected");
  await shot(page, "error-provider-retry-success");
  assertNoProblems(page);
  await page.context().close();
  const list = await mine("rej");
  assert.equal(list.length, 1);
  assert.equal(list[0].provider, "bamboohr");
});

test("inline validation: required fields, patterns, nothing sent until they pass", async () => {
  const s = await session(ctx, { origin_owner_id: "val", origin_owner_name: "Valid Inc", provider: "demohris" });
  const page = await newPage(browser);
  const posts = [];
  page.on("request", (r) => r.method() !== "GET" && posts.push(r.url()));
  await page.goto(s.auth_link_url);
  await expectTitle(page, "Connect Demo HR");
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  const company = page.getByLabel("Company", { exact: true });
  const key = page.getByLabel("API key", { exact: true });
  await page.getByText("Enter Company.").waitFor();
  await page.getByText("Enter API key.").waitFor();
  assert.equal(await company.getAttribute("aria-invalid"), "true");
  assert.equal(await page.evaluate(() => document.activeElement?.id), await company.getAttribute("id"), "focus on the first field to fix");
  // The error is part of the field's description for screen readers.
  assert.match(await company.evaluate((el) => el.getAttribute("aria-describedby").split(" ").map((id) => document.getElementById(id).textContent).join(" ")), /Enter Company\./);
  await axe(page, "form with errors");
  await shot(page, "error-required");

  await company.fill("Acme Corp!");
  await key.fill("short");
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  await page.getByText("Use only lowercase letters, digits and '-'.").waitFor();
  await page.getByText("At least 8 letters, digits, '-' or '_'.").waitFor();
  await company.fill("acme-corp"); // the error clears while typing once the value is valid
  await page.getByText("Use only lowercase letters, digits and '-'.").waitFor({ state: "detached" }).catch(async () => {
    assert.equal(await page.getByText("Use only lowercase letters, digits and '-'.").isVisible(), false);
  });
  assert.equal(await company.getAttribute("aria-invalid"), null);
  assert.deepEqual(posts, [], "nothing was sent");
  assert.equal((await mine("val")).length, 0);

  // Once every field passes, the form goes through.
  await key.fill("long-enough-key");
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  await expectTitle(page, "Account connected");
  await shot(page, "error-validation-then-success");
  assertNoProblems(page);
  await page.context().close();
  assert.equal((await mine("val")).length, 1);
});

test("the server checks required fields too (a request that skipped the page): 400, nothing stored", async () => {
  const s = await session(ctx, { origin_owner_id: "val2", origin_owner_name: "Valid Inc", provider: "demohris" });
  const res = await http(ctx.server, "POST", "/hub/accounts", {
    headers: { "x-hub-session-token": s.token },
    body: { integration_id: ctx.integrations.demohris.integration_id, credentials: { company: "acme" } },
  });
  assert.equal(res.status, 400);
  assert.match(res.json.message, /^API key is required/);
  assert.equal((await mine("val2")).length, 0);
});
