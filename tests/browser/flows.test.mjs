// Every row of DESIGN section 5 (the seed's upsert rules) end to end through the hub page in real
// Chromium, each checked afterwards through the API with the API key. axe-core runs on every screen.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  launch, newPage, setup, session, accounts, storedSetup, axe, shot, expectTitle, fill, assertNoProblems,
} from "./lib/browser.mjs";

const PROVIDERS = ["demohris", "personio", "lattice", "greenhouse", "lever", "salesforce", "zohocrm", "okta"];
let ctx, browser;

before(async () => {
  ctx = await setup(PROVIDERS);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await ctx?.server.stop();
});

const DEMO = /^Demo HR/;
const mine = async (owner) => (await accounts(ctx)).filter((a) => a.origin_owner_id === owner);

test("provider p, no account yet: straight to the credentials form, then a new account", async () => {
  const s = await session(ctx, { origin_owner_id: "cust-1", origin_owner_name: "Acme", provider: "demohris", label: "Acme HR" });
  const page = await newPage(browser);
  await page.goto(s.auth_link_url);
  await expectTitle(page, "Connect Demo HR");
  assert.equal(await page.locator("#back").isVisible(), false, "no back step: the provider was chosen by the session");
  // Secret fields are masked, with a show toggle.
  const key = page.getByLabel("API key", { exact: true });
  assert.equal(await key.getAttribute("type"), "password");
  await axe(page, "credentials form");
  await fill(page, { Company: "acme", "API key": "demo-key-1" });
  await page.getByRole("button", { name: "Show API key" }).click();
  assert.equal(await key.getAttribute("type"), "text");
  await page.getByRole("button", { name: "Hide API key" }).click();
  assert.equal(await key.getAttribute("type"), "password");
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  await expectTitle(page, "Account connected");
  await page.getByText("Your Demo HR (accepts any credentials) account is connected").waitFor();
  await axe(page, "success screen");
  await shot(page, "flow-create-success");
  assertNoProblems(page);
  await page.context().close();

  const list = await mine("cust-1");
  assert.equal(list.length, 1);
  assert.equal(list[0].provider, "demohris");
  assert.equal(list[0].status, "active");
  assert.equal(list[0].label, "Acme HR");
  assert.equal((await storedSetup(ctx, list[0])).setupInformation.company, "acme");
});

test("provider p, account exists, multiple=false: the edit page, then that account is updated", async () => {
  const [before] = await mine("cust-1");
  const s = await session(ctx, { origin_owner_id: "cust-1", origin_owner_name: "Acme", provider: "demohris" });
  const page = await newPage(browser);
  await page.goto(s.auth_link_url);
  await expectTitle(page, "Update Demo HR");
  // Non-secret values pre-filled; secrets are placeholders, left blank to keep.
  assert.equal(await page.getByLabel("Company", { exact: true }).inputValue(), "acme");
  const key = page.getByLabel("API key", { exact: true });
  assert.equal(await key.inputValue(), "");
  assert.match(await key.getAttribute("placeholder"), /unchanged/);
  await page.getByText("Leave blank to keep the current value.").waitFor();
  await axe(page, "edit page");
  await shot(page, "flow-edit-page");
  await fill(page, { Company: "acme-two" });
  await page.getByRole("button", { name: "Save changes" }).click();
  await expectTitle(page, "Account updated");
  await axe(page, "updated screen");
  await shot(page, "flow-same-key-updated");
  assertNoProblems(page);
  await page.context().close();

  const list = await mine("cust-1");
  assert.equal(list.length, 1, "updated, not created");
  assert.equal(list[0].id, before.id);
  const stored = await storedSetup(ctx, list[0]);
  assert.equal(stored.setupInformation.company, "acme-two");
  assert.deepEqual(Object.keys(stored.secrets), ["api_key"], "the secret was kept");
});

test("provider p, account exists, multiple=true: the credentials form, then a second account", async () => {
  const s = await session(ctx, { origin_owner_id: "cust-1", origin_owner_name: "Acme", provider: "demohris", multiple: true });
  const page = await newPage(browser);
  await page.goto(s.auth_link_url);
  await expectTitle(page, "Connect Demo HR");
  assert.equal(await page.getByLabel("Company", { exact: true }).inputValue(), "", "a new account starts empty");
  await fill(page, { Company: "acme-eu", "API key": "demo-key-eu" });
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  await expectTitle(page, "Account connected");
  await shot(page, "flow-multiple-success");
  assertNoProblems(page);
  await page.context().close();

  const list = await mine("cust-1");
  assert.equal(list.length, 2);
  assert.deepEqual(list.map((a) => a.provider), ["demohris", "demohris"]);
  assert.notEqual(list[0].id, list[1].id);
});

test("account_id A: the edit page of A, then A is updated", async () => {
  const list = await mine("cust-1");
  const target = (await Promise.all(list.map(async (a) => [a, (await storedSetup(ctx, a)).setupInformation.company])))
    .find(([, c]) => c === "acme-eu")[0];
  assert.ok(target);
  const s = await session(ctx, { origin_owner_id: "cust-1", origin_owner_name: "Acme", account_id: target.id });
  const page = await newPage(browser);
  await page.goto(s.auth_link_url);
  await expectTitle(page, "Update Demo HR");
  assert.equal(await page.getByLabel("Company", { exact: true }).inputValue(), "acme-eu");
  await fill(page, { Company: "acme-emea", "API key": "rotated-key-2" });
  await page.getByRole("button", { name: "Save changes" }).click();
  await expectTitle(page, "Account updated");
  await shot(page, "flow-account-id-updated");
  assertNoProblems(page);
  await page.context().close();

  const after = await mine("cust-1");
  assert.equal(after.length, 2);
  assert.equal((await storedSetup(ctx, target)).setupInformation.company, "acme-emea");
  const other = after.find((a) => a.id !== target.id);
  assert.equal((await storedSetup(ctx, other)).setupInformation.company, "acme-two", "the other account is untouched");
});

test("categories: the category selector, its providers, back steps, then a new account", async () => {
  const s = await session(ctx, { origin_owner_id: "cust-2", origin_owner_name: "Globex", categories: ["hris", "ats"] });
  const page = await newPage(browser);
  await page.goto(s.auth_link_url);
  await expectTitle(page, "Choose a category");
  const cats = page.locator("[data-category]");
  assert.deepEqual(await cats.allInnerTexts().then((t) => t.map((x) => x.split("\n")[0])), ["HR (HRIS)", "Recruiting (ATS)"]);
  await axe(page, "category selector");
  await shot(page, "flow-categories");
  await page.getByRole("button", { name: /Recruiting \(ATS\)/ }).click();
  await expectTitle(page, "Recruiting (ATS)");
  assert.deepEqual(await page.locator("[data-provider]").evaluateAll((b) => b.map((x) => x.dataset.provider)), ["greenhouse", "lever"]);
  await axe(page, "category's providers");
  await page.locator("#back").click();
  await expectTitle(page, "Choose a category");
  await page.getByRole("button", { name: /HR \(HRIS\)/ }).click();
  await expectTitle(page, "HR (HRIS)");
  assert.deepEqual(await page.locator("[data-provider]").evaluateAll((b) => b.map((x) => x.dataset.provider)), ["demohris", "lattice", "personio"]);
  await page.getByRole("button", { name: "Lattice" }).click();
  await expectTitle(page, "Connect Lattice");
  // A select field, with its default chosen.
  const region = page.getByLabel("Data residency");
  assert.equal(await region.inputValue(), "us");
  assert.deepEqual(await region.locator("option").allInnerTexts(), ["US", "EMEA"]);
  await page.locator("#back").click();
  await expectTitle(page, "HR (HRIS)");
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.provider), "lattice", "focus returns to the provider picked before");
  await page.getByRole("button", { name: DEMO }).click();
  await expectTitle(page, "Connect Demo HR");
  await fill(page, { Company: "globex", "API key": "globex-key" });
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  await expectTitle(page, "Account connected");
  assert.equal(await page.locator("#back").isVisible(), false, "no way back after linking");
  await shot(page, "flow-categories-success");
  assertNoProblems(page);
  await page.context().close();

  const list = await mine("cust-2");
  assert.equal(list.length, 1);
  assert.equal(list[0].provider, "demohris");
});

test("a single category: the selector is skipped", async () => {
  const s = await session(ctx, { origin_owner_id: "cust-2", origin_owner_name: "Globex", categories: ["ats"] });
  const page = await newPage(browser);
  await page.goto(s.auth_link_url);
  await expectTitle(page, "Choose an integration");
  assert.deepEqual(await page.locator("[data-provider]").evaluateAll((b) => b.map((x) => x.dataset.provider)), ["greenhouse", "lever"]);
  await page.getByRole("button", { name: "Lever" }).click();
  await expectTitle(page, "Connect Lever");
  await fill(page, { "API key": "lever-key" });
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  await expectTitle(page, "Account connected");
  await shot(page, "flow-single-category-success");
  assertNoProblems(page);
  await page.context().close();
  assert.deepEqual((await mine("cust-2")).map((a) => a.provider).sort(), ["demohris", "lever"]);
});

test("nothing in the session: all enabled integrations, grouped, with logos, searchable", async () => {
  const s = await session(ctx, { origin_owner_id: "cust-3", origin_owner_name: "Initech" });
  const page = await newPage(browser);
  await page.goto(s.auth_link_url);
  await expectTitle(page, "Choose an integration");
  const tiles = page.locator("[data-provider]");
  assert.deepEqual((await tiles.evaluateAll((b) => b.map((x) => x.dataset.provider))).sort(), [...PROVIDERS].sort());
  assert.deepEqual(await page.locator("#results h2").allInnerTexts(), ["HR (HRIS)", "Recruiting (ATS)", "CRM", "Identity and access (IAM)"].map((x) => x.toUpperCase()));
  // Every logo loaded (same-origin /logos/*.svg under the CSP).
  const logos = await page.locator("[data-provider] img").evaluateAll((imgs) => imgs.map((i) => [i.complete && i.naturalWidth > 0, i.alt]));
  assert.ok(logos.length === PROVIDERS.length && logos.every(([ok, alt]) => ok && alt === ""), JSON.stringify(logos));
  await axe(page, "all integrations");
  await shot(page, "flow-all-integrations");

  const search = page.getByRole("searchbox", { name: "Search integrations" });
  await search.fill("sales");
  assert.deepEqual(await tiles.evaluateAll((b) => b.filter((x) => x.offsetParent).map((x) => x.dataset.provider)), ["salesforce"]);
  await page.getByRole("status").filter({ hasText: "1 integration shown" }).waitFor();
  await search.fill("recruit"); // matches the category too
  assert.deepEqual(await tiles.evaluateAll((b) => b.filter((x) => x.offsetParent).map((x) => x.dataset.provider)), ["greenhouse", "lever"]);
  await search.fill("zzz");
  await page.getByText("No integrations match “zzz”.").waitFor();
  await axe(page, "search without results");
  await search.fill("zoho");
  await page.getByRole("button", { name: "Zoho CRM" }).click();
  await expectTitle(page, "Connect Zoho CRM");
  await page.getByLabel("Data center").selectOption("eu");
  await fill(page, { "Client ID": "1000.ABC", "Client secret": "zoho-secret" });
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  await expectTitle(page, "Account connected");
  await shot(page, "flow-all-integrations-success");
  assertNoProblems(page);
  await page.context().close();

  const list = await mine("cust-3");
  assert.equal(list.length, 1);
  assert.equal(list[0].provider, "zohocrm");
  assert.equal((await storedSetup(ctx, list[0])).setupInformation.data_center, "eu");
});
