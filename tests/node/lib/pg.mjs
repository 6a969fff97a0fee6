// PostgreSQL helpers for the Node suites: a fresh database per run on the cluster named by
// CONNECTHUB_TEST_PG_URL (scripts/pg.sh start DIR prints one; scripts/test.sh exports it), psql
// queries, server processes started against a given database URL (harness.mjs's startServer always
// uses a private SQLite file), plus the admin CLI and raw HTTP. Deliberately does not import
// harness.mjs: that loads the StackOne SDK, which takes seconds on a busy machine and is not needed
// here. Same environment as harness.mjs (CONNECTHUB_BIN, CONNECTHUB_TEST_LOGS, CONNECTHUB_TEST_KEEP).
// Needs `psql` (postgresql-client) on PATH.

import { spawn, execFile } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const execFileP = promisify(execFile);
const TESTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** The same fixed test key as harness.mjs (never use outside tests). */
const TEST_ENCRYPTION_KEY = "7465737420656e6372797074696f6e206b657920666f7220636f6e6e65637468";
const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Absolute path of the binary under test ($CONNECTHUB_BIN, default <repo>/build/connecthub). */
export function binPath() {
  const fromEnv = process.env.CONNECTHUB_BIN;
  return fromEnv ? path.resolve(TESTS_DIR, fromEnv) : path.resolve(TESTS_DIR, "../../build/connecthub");
}

function serverEnv(extra = {}) {
  return {
    ...process.env,
    CONNECTHUB_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    CONNECTHUB_RATE_LIMITS: "off",
    ...extra,
  };
}

/**
 * Runs `connecthub <args...> --database <database>`; resolves {code, stdout, stderr, json}
 * (json: stdout parsed, when --json was given and it parses).
 */
export async function cli(args, { database, env = {}, timeoutMs = 30_000 } = {}) {
  const argv = [...args];
  if (database) argv.push("--database", database);
  try {
    const { stdout, stderr } = await execFileP(binPath(), argv, { env: serverEnv(env), timeout: timeoutMs });
    let json;
    try { json = args.includes("--json") ? JSON.parse(stdout) : undefined; } catch { /* not JSON */ }
    return { code: 0, stdout, stderr, json };
  } catch (e) {
    return { code: e.code ?? 1, stdout: e.stdout ?? "", stderr: e.stderr ?? e.message, json: undefined };
  }
}

/**
 * Raw HTTP via fetch. body: object → JSON; auth: API key → Basic; headers as given.
 * Resolves {status, headers, json, text}; rejects when the server does not answer.
 */
export async function http(server, method, urlPath, { headers = {}, body, auth, timeoutMs = 30_000 } = {}) {
  const h = { ...headers };
  if (auth !== undefined) h.authorization = "Basic " + Buffer.from(`${auth}:`, "utf8").toString("base64");
  if (body !== undefined) h["content-type"] = "application/json";
  const res = await fetch(server.url + urlPath, {
    method,
    headers: h,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, headers: Object.fromEntries(res.headers), json, text };
}

/** The cluster URL from CONNECTHUB_TEST_PG_URL, or undefined. */
export function pgUrl() {
  const u = process.env.CONNECTHUB_TEST_PG_URL;
  return u && u.trim() !== "" ? u.trim() : undefined;
}

/** `url` with its database name replaced by `db` (query string kept). */
export function withDatabase(url, db) {
  const u = new URL(url);
  u.pathname = "/" + db;
  return u.toString();
}

/** Runs SQL with psql; resolves the unaligned, tuples-only output (trimmed). */
export async function psql(url, sql) {
  // psql takes a libpq URL; our own query parameters (pool_size) are not for it.
  const u = new URL(url);
  u.searchParams.delete("pool_size");
  const { stdout } = await execFileP("psql", [u.toString(), "-X", "-v", "ON_ERROR_STOP=1", "-At", "-c", sql], {
    timeout: 20_000,
  });
  return stdout.trim();
}

/** Creates an empty database `ch_<random>` on the cluster; resolves {name, url, drop()}. */
export async function createDatabase(clusterUrl = pgUrl()) {
  const name = "ch_" + randomBytes(6).toString("hex");
  await psql(clusterUrl, `CREATE DATABASE ${name}`);
  return {
    name,
    url: withDatabase(clusterUrl, name),
    drop: async () => {
      await psql(clusterUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
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

const live = new Set();
process.once("exit", () => {
  for (const c of live) {
    try { c.kill("SIGKILL"); } catch { /* gone */ }
  }
});

/**
 * Starts `connecthub serve` on a free 127.0.0.1 port against `database` (any URL the server takes).
 * Resolves once GET /readyz answers 200 (or rejects with the logs). The result has
 * {url, port, child, logs(), stop() (SIGTERM, then SIGKILL), kill(signal) (no waiting), exited}.
 */
export async function startServerOn(database, { env = {}, args = [], readyTimeoutMs = READY_TIMEOUT_MS } = {}) {
  const bin = binPath();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "connecthub-pg-test-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const argv = ["serve", "--listen", `127.0.0.1:${port}`, "--database", database, "--public-url", url,
    "--data-dir", dataDir, ...args];
  const child = spawn(bin, argv, {
    cwd: dataDir,
    env: serverEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  const chunks = [];
  const echo = process.env.CONNECTHUB_TEST_LOGS === "1";
  for (const s of [child.stdout, child.stderr]) {
    s.setEncoding("utf8");
    s.on("data", (d) => {
      chunks.push(d);
      if (echo) process.stderr.write(`[connecthub:${port}] ${d}`);
    });
  }
  const state = { exited: null };
  const exitPromise = new Promise((resolve) => {
    child.once("error", () => { state.exited ??= { code: null, signal: null }; live.delete(child); resolve(state.exited); });
    child.once("exit", (code, signal) => { state.exited = { code, signal }; live.delete(child); resolve(state.exited); });
  });
  const logs = () => chunks.join("");
  const cleanup = () => (process.env.CONNECTHUB_TEST_KEEP === "1" ? undefined : rm(dataDir, { recursive: true, force: true }));

  const server = {
    url, port, child, logs, dataDir,
    get exited() { return state.exited; },
    kill(signal = "SIGKILL") {
      if (!state.exited) child.kill(signal);
      return exitPromise;
    },
    async stop() {
      if (!state.exited) {
        child.kill("SIGTERM");
        let timer;
        const t = await Promise.race([
          exitPromise,
          new Promise((r) => { timer = setTimeout(() => r("timeout"), STOP_TIMEOUT_MS); }),
        ]);
        clearTimeout(timer);
        if (t === "timeout") {
          child.kill("SIGKILL");
          await exitPromise;
        }
      }
      await cleanup();
      return state.exited;
    },
  };

  const deadline = Date.now() + readyTimeoutMs;
  let last = "no answer yet";
  for (;;) {
    if (state.exited) {
      await cleanup();
      throw new Error(`connecthub exited (${JSON.stringify(state.exited)}) before becoming ready\n` +
        `command: ${bin} ${argv.join(" ")}\n--- logs ---\n${logs()}`);
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      await exitPromise;
      await cleanup();
      throw new Error(`connecthub not ready within ${readyTimeoutMs} ms (${last})\n--- logs ---\n${logs()}`);
    }
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
      last = `status ${res.status}`;
    } catch (e) {
      last = e.cause?.code ?? e.message;
    }
    await sleep(50);
  }
  return server;
}
