// Black-box test harness for connecthub.
//
// Starts the real server binary ($CONNECTHUB_BIN, default ../../build/connecthub relative to
// tests/node) against a fresh SQLite database in a temp dir, drives the admin CLI, and gives
// tests an official-SDK client and a raw HTTP helper. Reusable by every Node test suite.
//
// Environment:
//   CONNECTHUB_BIN         path to the binary (default <repo>/build/connecthub)
//   CONNECTHUB_TEST_KEEP=1 keep the temp dir (database, logs) after stop() for debugging
//   CONNECTHUB_TEST_LOGS=1 echo the server's stdout/stderr to this process's stderr live

import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, access, constants as fsc } from "node:fs/promises";
import nodeHttp from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { StackOne } from "@stackone/stackone-client-ts";

const here = path.dirname(fileURLToPath(import.meta.url)); // tests/node/lib
export const TESTS_DIR = path.resolve(here, ".."); // tests/node

/** Fixed 32-byte test encryption key (64 hex chars). Never use outside tests. */
export const TEST_ENCRYPTION_KEY =
  "7465737420656e6372797074696f6e206b657920666f7220636f6e6e65637468";

export const READY_TIMEOUT_MS = 10_000;
// Under the sanitizers, exit (LeakSanitizer's scan) takes longer on a busy machine.
export const STOP_TIMEOUT_MS = process.env.ASAN_OPTIONS ? 30_000 : 5_000;
export const CLI_TIMEOUT_MS = 15_000;

/** ISO-8601 UTC timestamp with a trailing Z (fractional seconds optional). */
export const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** StackOne's closed category list (DESIGN.md section 1). */
export const CATEGORIES = [
  "ats", "hris", "hris-legacy", "crm", "iam", "marketing", "lms", "stackone",
  "documents", "ticketing", "screening", "messaging", "accounting",
];

/** Absolute path of the binary under test. */
export function binPath() {
  const fromEnv = process.env.CONNECTHUB_BIN;
  return fromEnv
    ? path.resolve(TESTS_DIR, fromEnv)
    : path.resolve(TESTS_DIR, "../../build/connecthub");
}

async function assertExecutable(bin) {
  try {
    await access(bin, fsc.X_OK);
  } catch {
    throw new Error(
      `connecthub binary not found or not executable: ${bin}\n` +
        `Build it first (cmake --build build) or set CONNECTHUB_BIN=/path/to/connecthub.`,
    );
  }
}

async function freePort() {
  const srv = net.createServer();
  srv.unref();
  srv.listen(0, "127.0.0.1");
  await once(srv, "listening");
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Children we spawned; killed (by pid, ours only) if this process exits without stop().
const liveChildren = new Set();
process.once("exit", () => {
  for (const c of liveChildren) {
    try { c.kill("SIGKILL"); } catch { /* already gone */ }
  }
});

function baseEnv(extra = {}) {
  return {
    ...process.env,
    CONNECTHUB_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    // Tests deliberately send many failing requests; rate limits are tested separately
    // (a suite that wants them passes env: {CONNECTHUB_RATE_LIMITS: "on"}).
    CONNECTHUB_RATE_LIMITS: "off",
    ...extra,
  };
}

/**
 * Start a connecthub server on a free 127.0.0.1 port with a fresh SQLite database.
 * Resolves once GET /readyz answers 200; rejects (with the captured logs) if the process
 * exits first or is not ready within READY_TIMEOUT_MS.
 */
export async function startServer({ env = {}, args = [] } = {}) {
  const bin = binPath();
  await assertExecutable(bin);

  const dataDir = await mkdtemp(path.join(os.tmpdir(), "connecthub-test-"));
  const dbPath = path.join(dataDir, "connecthub.db");
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;

  const argv = [
    "serve",
    "--listen", `127.0.0.1:${port}`,
    "--database", `sqlite:${dbPath}`,
    "--public-url", url,
    ...args,
  ];
  const chunks = [];
  const child = spawn(bin, argv, {
    cwd: dataDir,
    env: baseEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  liveChildren.add(child);
  const echo = process.env.CONNECTHUB_TEST_LOGS === "1";
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding("utf8");
    stream.on("data", (d) => {
      chunks.push(d);
      if (echo) process.stderr.write(`[connecthub:${port}] ${d}`);
    });
  }

  let exited = null; // {code, signal} once the process is gone
  let spawnError = null;
  const exitPromise = new Promise((resolve) => {
    child.once("error", (err) => {
      spawnError = err;
      exited ??= { code: null, signal: null };
      liveChildren.delete(child);
      resolve(exited);
    });
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      liveChildren.delete(child);
      resolve(exited);
    });
  });

  const logs = () => chunks.join("");
  const cleanup = async () => {
    if (process.env.CONNECTHUB_TEST_KEEP !== "1") {
      await rm(dataDir, { recursive: true, force: true });
    }
  };

  const stop = async () => {
    if (!exited) {
      child.kill("SIGTERM");
      let t;
      const timer = new Promise((r) => (t = setTimeout(() => r("timeout"), STOP_TIMEOUT_MS)));
      const outcome = await Promise.race([exitPromise, timer]);
      clearTimeout(t);
      if (outcome === "timeout") {
        child.kill("SIGKILL");
        await exitPromise;
        await cleanup();
        throw new Error(`connecthub did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM (killed)`);
      }
    }
    await cleanup();
    return exited;
  };

  // Poll /readyz until 200.
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastProblem = "no answer yet";
  for (;;) {
    if (exited) {
      await cleanup();
      const why = spawnError
        ? `could not be started: ${spawnError.message}`
        : `exited (code ${exited.code}, signal ${exited.signal}) before becoming ready`;
      throw new Error(`connecthub ${why}\ncommand: ${bin} ${argv.join(" ")}\n--- logs ---\n${logs()}`);
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      await exitPromise;
      await cleanup();
      throw new Error(
        `connecthub not ready within ${READY_TIMEOUT_MS} ms (GET /readyz: ${lastProblem})\n` +
          `command: ${bin} ${argv.join(" ")}\n--- logs ---\n${logs()}`,
      );
    }
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
      lastProblem = `status ${res.status}`;
    } catch (e) {
      lastProblem = e.cause?.code ?? e.message;
    }
    await sleep(50);
  }

  return { url, port, dbPath, dataDir, bin, child, stop, logs };
}

/**
 * Run `$CONNECTHUB_BIN <args...> --database <database>`.
 * Resolves {code, stdout, stderr, json}; json is JSON.parse(stdout) when --json was given
 * (undefined if stdout was not valid JSON; see jsonError).
 */
export async function cli(args, { database, env = {}, timeoutMs = CLI_TIMEOUT_MS } = {}) {
  const bin = binPath();
  await assertExecutable(bin);
  const argv = [...args];
  if (database) argv.push("--database", database);
  const child = spawn(bin, argv, { env: baseEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  liveChildren.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const [code, signal] = await new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (c, s) => resolve([c, s]));
  }).finally(() => {
    clearTimeout(timer);
    liveChildren.delete(child);
  });
  const result = { code, signal, stdout, stderr, json: undefined, jsonError: undefined, argv };
  if (args.includes("--json")) {
    try {
      result.json = JSON.parse(stdout);
    } catch (e) {
      result.jsonError = e.message;
    }
  }
  return result;
}

function dbOf(server) {
  return `sqlite:${server.dbPath}`;
}

/** Run a --json admin command and insist on exit code 0 and JSON output. */
export async function cliJson(server, args) {
  const r = await cli([...args, "--json"], { database: dbOf(server) });
  if (r.code !== 0 || r.json === undefined) {
    throw new Error(
      `connecthub ${r.argv.join(" ")} failed: exit ${r.code}${r.signal ? ` (${r.signal})` : ""}` +
        `${r.jsonError ? `, stdout not JSON (${r.jsonError})` : ""}\n` +
        `--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`,
    );
  }
  return r.json;
}

/** `connecthub project create --name N --json` → {organization_id, project_id, api_key}. */
export async function createProject(server, name) {
  const j = await cliJson(server, ["project", "create", "--name", name]);
  assert.equal(typeof j.organization_id, "number", `project create: organization_id must be a number: ${JSON.stringify(j)}`);
  assert.equal(typeof j.project_id, "string", `project create: project_id must be a string: ${JSON.stringify(j)}`);
  assert.equal(typeof j.api_key, "string", `project create: api_key must be a string: ${JSON.stringify(j)}`);
  assert.ok(j.api_key.length > 0, "project create: api_key must not be empty");
  return j;
}

function setArgs(settings) {
  return Object.entries(settings).flatMap(([k, v]) => ["--set", `${k}=${v}`]);
}

/** `connecthub integration enable --project P --provider KEY [--set k=v ...] --json`. */
export async function enable(server, projectId, provider, settings = {}) {
  return cliJson(server, [
    "integration", "enable", "--project", projectId, "--provider", provider, ...setArgs(settings),
  ]);
}

/** `connecthub integration disable --project P --provider KEY --json`. */
export async function disable(server, projectId, provider) {
  return cliJson(server, ["integration", "disable", "--project", projectId, "--provider", provider]);
}

/** `connecthub integration list --project P --json` → [{integration_id, provider, enabled, settings}]. */
export async function listIntegrations(server, projectId) {
  return cliJson(server, ["integration", "list", "--project", projectId]);
}

/** `connecthub api-key create --project P --json` → {id, project_id, api_key}. */
export async function createApiKey(server, projectId) {
  return cliJson(server, ["api-key", "create", "--project", projectId]);
}

/** `connecthub api-key revoke --project P --id ID --json`. */
export async function revokeApiKey(server, projectId, id) {
  return cliJson(server, ["api-key", "revoke", "--project", projectId, "--id", String(id)]);
}

/** Official SDK client pointed at the server; no retries, 5 s timeout. */
export function sdk(server, apiKey) {
  return new StackOne({
    serverURL: server.url,
    security: { username: apiKey, password: "" },
    retryConfig: { strategy: "none" },
    timeoutMs: 5000,
  });
}

/** `Authorization` header value for HTTP Basic with the API key as username. */
export function basic(key, password = "") {
  return "Basic " + Buffer.from(`${key}:${password}`, "utf8").toString("base64");
}

function prepare({ headers = {}, body, auth } = {}) {
  const h = {};
  for (const [k, v] of Object.entries(headers)) h[k.toLowerCase()] = v;
  if (auth !== undefined && h.authorization === undefined) h.authorization = basic(auth);
  let payload;
  if (body !== undefined) {
    if (typeof body === "string" || body instanceof Uint8Array) {
      payload = body;
    } else {
      payload = JSON.stringify(body);
    }
    if (h["content-type"] === undefined) h["content-type"] = "application/json";
  }
  return { h, payload };
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Raw HTTP via fetch. body: object → JSON (content-type application/json unless given);
 * string/Buffer → sent as is (content-type application/json unless given).
 * auth: API key → Basic. Resolves {status, headers (lowercase keys), json, text}.
 */
export async function http(server, method, urlPath, opts = {}) {
  const { h, payload } = prepare(opts);
  const res = await fetch(server.url + urlPath, {
    method,
    headers: h,
    body: payload,
    signal: AbortSignal.timeout(opts.timeoutMs ?? 5000),
  });
  const text = await res.text();
  return { status: res.status, headers: Object.fromEntries(res.headers), json: parseJson(text), text };
}

/**
 * Raw HTTP via node:http that still reports the response when the server answers (e.g. 413)
 * and closes before the whole request body was written. Same options/result as http().
 */
export function httpNode(server, method, urlPath, opts = {}) {
  const { h, payload } = prepare(opts);
  if (payload !== undefined) h["content-length"] = Buffer.byteLength(payload);
  return new Promise((resolve, reject) => {
    let settled = false;
    const req = nodeHttp.request(
      server.url + urlPath,
      { method, headers: h, timeout: opts.timeoutMs ?? 5000 },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (text += d));
        const done = () => {
          if (settled) return;
          settled = true;
          resolve({ status: res.statusCode, headers: res.headers, json: parseJson(text), text });
        };
        res.on("end", done);
        res.on("error", done); // connection closed mid-body: report what we have
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${urlPath}: timed out`)));
    req.on("error", (e) => {
      // EPIPE/ECONNRESET after the response started are fine; before it, it's a failure.
      setTimeout(() => {
        if (!settled) {
          settled = true;
          reject(e);
        }
      }, 200);
    });
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/**
 * Assert a StackOne-style JSON error: status, application/json content type,
 * {statusCode: <status>, message: string, timestamp: ISO Z}. `mentions`: string or RegExp
 * that the message must contain/match (e.g. the offending field name).
 */
export function expectError(res, status, { mentions } = {}) {
  const ctx = `response ${res.status} ${res.headers["content-type"]}: ${res.text.slice(0, 500)}`;
  assert.equal(res.status, status, `expected status ${status}; ${ctx}`);
  assert.match(String(res.headers["content-type"] ?? ""), /^application\/json\b/i, `content-type; ${ctx}`);
  assert.ok(res.json && typeof res.json === "object" && !Array.isArray(res.json), `body must be a JSON object; ${ctx}`);
  assert.equal(typeof res.json.statusCode, "number", `statusCode must be a number; ${ctx}`);
  assert.equal(res.json.statusCode, status, `statusCode must equal the HTTP status; ${ctx}`);
  assert.equal(typeof res.json.message, "string", `message must be a string; ${ctx}`);
  assert.ok(res.json.message.length > 0, `message must not be empty; ${ctx}`);
  assert.equal(typeof res.json.timestamp, "string", `timestamp must be a string; ${ctx}`);
  assert.match(res.json.timestamp, ISO_Z, `timestamp must be ISO-8601 with Z; ${ctx}`);
  assert.ok(!Number.isNaN(Date.parse(res.json.timestamp)), `timestamp must parse; ${ctx}`);
  if (mentions !== undefined) {
    if (mentions instanceof RegExp) {
      assert.match(res.json.message, mentions, `message should mention ${mentions}; ${ctx}`);
    } else {
      assert.ok(res.json.message.includes(mentions), `message should mention "${mentions}"; ${ctx}`);
    }
  }
  return res.json;
}

/** Assert a 2xx JSON response with the exact status. */
export function expectJson(res, status) {
  const ctx = `response ${res.status} ${res.headers["content-type"]}: ${res.text.slice(0, 500)}`;
  assert.equal(res.status, status, `expected status ${status}; ${ctx}`);
  assert.match(String(res.headers["content-type"] ?? ""), /^application\/json\b/i, `content-type; ${ctx}`);
  assert.notEqual(res.json, undefined, `body must be JSON; ${ctx}`);
  return res.json;
}

export { sleep };
