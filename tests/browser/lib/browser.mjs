// Shared helpers for the browser suites: one headless Chromium per test file (playwright-core with
// the system Chromium), the server harness from tests/node, axe-core checks, screenshots, a fake
// provider, and a tiny static server on another port (another origin) for host pages.
import { chromium } from "playwright-core";
import { build } from "esbuild";
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import nodeHttp from "node:http";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { startServer, createProject, enable, http, basic, cliJson } from "../../node/lib/harness.mjs";

export { startServer, createProject, enable, http, basic, cliJson };

const here = path.dirname(fileURLToPath(import.meta.url));
export const BROWSER_DIR = path.resolve(here, "..");
export const REPO = path.resolve(here, "../../..");
export const ARTIFACTS = path.join(REPO, "tests/artifacts");

export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

/** Launch the system Chromium ($CHROMIUM_PATH, default /usr/bin/chromium). */
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
}

/**
 * A fresh context + page. Fails the test later (see `problems`) on any console error, page error or
 * CSP violation: the hub page must run under its strict CSP without a single report.
 */
export async function newPage(browser, { viewport = { width: 1280, height: 860 }, colorScheme = "light", ...rest } = {}) {
  const context = await browser.newContext({ viewport, colorScheme, reducedMotion: "reduce", ...rest });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => {
    // A 4xx answer from the hub API is logged by Chromium as a failed resource load: that is expected.
    if (m.type() === "error" && !/status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.problems = problems;
  return page;
}

export function assertNoProblems(page) {
  assert.deepEqual(page.problems, [], "console errors, page errors or CSP violations");
}

const AXE_SOURCE = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/**
 * axe-core (every rule, WCAG 2.x A/AA and best practices) on the page and each of its frames:
 * zero violations. axe is injected through the DevTools protocol, which the page's CSP does not
 * govern, once per document.
 */
export async function axe(page, label) {
  const found = [];
  for (const frame of page.frames()) {
    if (frame.isDetached() || !/^https?:/.test(frame.url())) continue;
    if (!(await frame.evaluate(() => typeof window.axe === "object"))) await frame.evaluate(AXE_SOURCE);
    const v = await frame.evaluate(() =>
      window.axe.run(document, { iframes: false, resultTypes: ["violations"] }).then((r) =>
        r.violations.map((x) => `${x.id} (${x.impact}): ${x.help}\n    ${x.nodes.slice(0, 5).map((n) => n.target.join(" ")).join("\n    ")}`)));
    found.push(...v.map((x) => `${frame.url().split("#")[0]}: ${x}`));
  }
  assert.deepEqual(found, [], `axe violations on ${label}`);
}

export async function shot(page, name, opts = {}) {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), ...opts });
}

/** A server, a project and the given providers enabled ({key: settings} or [keys]). */
export async function setup(providers, { env = {} } = {}) {
  const server = await startServer({ env });
  const project = await createProject(server, "Browser tests");
  const entries = Array.isArray(providers) ? providers.map((p) => [p, {}]) : Object.entries(providers);
  const integrations = {};
  for (const [p, settings] of entries) integrations[p] = await enable(server, project.project_id, p, settings);
  return { server, project, apiKey: project.api_key, integrations };
}

/** POST /connect_sessions → {token, auth_link_url, ...}. */
export async function session(ctx, body) {
  const res = await http(ctx.server, "POST", "/connect_sessions", { auth: ctx.apiKey, body });
  assert.equal(res.status, 201, `create session: ${res.text}`);
  return res.json;
}

/** GET /accounts (through the API, with the API key). */
export async function accounts(ctx, query = "") {
  const res = await http(ctx.server, "GET", `/accounts${query}`, { auth: ctx.apiKey });
  assert.equal(res.status, 200, res.text);
  return res.json;
}

/** What the hub API shows for an account (setupInformation), through a fresh account_id session. */
export async function storedSetup(ctx, account) {
  const s = await session(ctx, { origin_owner_id: account.origin_owner_id, origin_owner_name: account.origin_owner_name, account_id: account.id });
  const res = await http(ctx.server, "GET", `/hub/accounts/${account.id}`, { headers: { "x-hub-session-token": s.token } });
  assert.equal(res.status, 200, res.text);
  return res.json;
}

/** The hub page's title (the h1 in its bar), once it shows `text`. */
export async function expectTitle(scope, text) {
  const h1 = scope.locator("h1#title");
  await h1.filter({ hasText: text }).waitFor();
  return h1;
}

/**
 * A fake BambooHR: GET /meta/fields with Basic auth `<key>:x`; `goodKey` is accepted, anything else
 * gets 401 with a JSON message, as the real one does.
 */
export async function fakeBamboo(goodKey) {
  const requests = [];
  const srv = nodeHttp.createServer((req, res) => {
    const auth = Buffer.from(String(req.headers.authorization || "").replace(/^Basic /, ""), "base64").toString();
    requests.push({ method: req.method, url: req.url, auth });
    if (req.method === "GET" && req.url === "/meta/fields" && auth === `${goodKey}:x`) {
      res.writeHead(200, { "content-type": "application/json" }).end("[]");
    } else {
      res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ message: "Invalid API key provided." }));
    }
  });
  srv.listen(0, "127.0.0.1");
  await once(srv, "listening");
  return { url: `http://127.0.0.1:${srv.address().port}`, requests, close: () => new Promise((r) => srv.close(r)) };
}

/** A static server on another port (so another origin): {path: {type, body}} or a handler. */
export async function hostServer(routes) {
  const srv = nodeHttp.createServer(async (req, res) => {
    const u = new URL(req.url, "http://x");
    const r = typeof routes === "function" ? await routes(u) : routes[u.pathname];
    if (!r) return res.writeHead(404).end("not found");
    res.writeHead(200, { "content-type": r.type || "text/html; charset=utf-8", "cache-control": "no-store", ...(r.headers || {}) }).end(r.body);
  });
  srv.listen(0, "127.0.0.1");
  await once(srv, "listening");
  return { url: `http://127.0.0.1:${srv.address().port}`, close: () => new Promise((r) => { srv.closeAllConnections(); srv.close(r); }) };
}

/** Bundles a test page (JSX) with esbuild into one script; returns its text. */
export async function bundle(entry) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "connecthub-bundle-"));
  try {
    await build({
      entryPoints: [path.join(BROWSER_DIR, entry)],
      outfile: path.join(dir, "out.js"),
      bundle: true,
      format: "iife",
      jsx: "automatic",
      loader: { ".js": "jsx" },
      define: { "process.env.NODE_ENV": '"production"' },
      minify: true,
      logLevel: "error",
    });
    return await readFile(path.join(dir, "out.js"), "utf8");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Fills the hub form: {label: value}. */
export async function fill(scope, values) {
  for (const [label, value] of Object.entries(values)) await scope.getByLabel(label, { exact: true }).fill(value);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
