// Crash safety: a write load (connect sessions + hub completions with `demohris`) against a SQLite
// file, SIGKILL mid-load, restart on the same file. Everything that was answered 2xx must still be
// there, `multiple=false` must never have produced two accounts for one key, and SQLite's
// integrity_check must say ok. Two kill/restart rounds.

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFile } from "node:child_process";
import { once } from "node:events";
import net from "node:net";
import { promisify } from "node:util";
import {
  startServer, createProject, enable, http, expectJson, binPath, TEST_ENCRYPTION_KEY, sleep,
} from "./lib/harness.mjs";
import { hubHeaders, demoCreds, rand } from "./lib/hub.mjs";
import { assertCleanExit, sanitizerText, SANITIZER_REPORT } from "./lib/clean_exit.mjs";

const execFileP = promisify(execFile);

async function freePort() {
  const srv = net.createServer();
  srv.listen(0, "127.0.0.1");
  await once(srv, "listening");
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * Starts the binary on an existing SQLite file (the harness always makes a fresh one). Same env as
 * the harness: the fixed test encryption key, rate limits off. Returns a server-like object.
 */
async function startOn(dbPath, cwd) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const chunks = [];
  const child = spawn(binPath(), ["serve", "--listen", `127.0.0.1:${port}`, "--database", `sqlite:${dbPath}`, "--public-url", url], {
    cwd,
    env: { ...process.env, CONNECTHUB_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, CONNECTHUB_RATE_LIMITS: "off" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const s of [child.stdout, child.stderr]) s.setEncoding("utf8").on("data", (d) => chunks.push(d));
  let exited = null;
  const exit = new Promise((r) => child.once("exit", (code, signal) => r((exited = { code, signal }))));
  process.once("exit", () => { try { child.kill("SIGKILL"); } catch { /* gone */ } });
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (exited) throw new Error(`restart failed: ${JSON.stringify(exited)}\n${chunks.join("")}`);
    if (Date.now() > deadline) { child.kill("SIGKILL"); throw new Error(`restart not ready\n${chunks.join("")}`); }
    try {
      const r = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) });
      await r.arrayBuffer();
      if (r.status === 200) break;
    } catch { /* not yet */ }
    await sleep(50);
  }
  return {
    url, port, dbPath, child,
    logs: () => chunks.join(""),
    kill: async () => { if (!exited) { child.kill("SIGKILL"); await exit; } return exited; },
    stop: async () => {
      if (!exited) {
        child.kill("SIGTERM");
        // Under ASan, LeakSanitizer's exit-time scan can take a while on a busy machine.
        const t = setTimeout(() => child.kill("SIGKILL"), 60_000);
        await exit;
        clearTimeout(t);
      }
      return exited;
    },
  };
}

/**
 * The write load. Owners come from a small pool with multiple=false (so completions race to update
 * one account per key) plus unique owners with multiple=true. Records only what was answered 2xx.
 */
function runLoad(server, apiKey, integrationId, ledger, { workers = 6 } = {}) {
  let stopped = false;
  const pool = Array.from({ length: 8 }, (_, i) => ({ id: `owner-${i}`, name: `Owner ${i}` }));
  const worker = async () => {
    while (!stopped) {
      const multiple = Math.random() < 0.25;
      const owner = multiple ? { id: `multi-${rand(4)}`, name: "Multi" } : pool[Math.floor(Math.random() * pool.length)];
      let res;
      try {
        res = await http(server, "POST", "/connect_sessions", {
          auth: apiKey,
          body: { origin_owner_id: owner.id, origin_owner_name: owner.name, provider: "demohris", multiple },
          timeoutMs: 10_000,
        });
      } catch { if (stopped) return; await sleep(20); continue; }
      if (res.status !== 201) { ledger.other.push(`session ${res.status} ${res.text.slice(0, 200)}`); continue; }
      const session = { token: res.json.token, id: res.json.id, owner, multiple, completed: null };
      ledger.sessions.push(session);
      if (Math.random() < 0.2) continue; // left open
      try {
        const done = await http(server, "POST", "/hub/accounts", {
          headers: hubHeaders(session.token),
          body: { integration_id: integrationId, credentials: demoCreds() },
          timeoutMs: 10_000,
        });
        if (done.status === 200 || done.status === 201) {
          session.completed = done.json.id;
          ledger.accounts.push({ id: done.json.id, owner, multiple, status: done.status });
        } else {
          ledger.other.push(`completion ${done.status} ${done.text.slice(0, 200)}`);
        }
      } catch { if (stopped) return; }
    }
  };
  const all = Promise.all(Array.from({ length: workers }, worker));
  return { stop: async () => { stopped = true; await all; } };
}

async function listAllAccounts(server, apiKey) {
  const out = [];
  for (let page = 1; ; page++) {
    const res = await http(server, "GET", `/accounts?page=${page}&page_size=1000`, { auth: apiKey, timeoutMs: 20_000 });
    const list = expectJson(res, 200);
    out.push(...list);
    if (list.length < 1000) return out;
  }
}

async function verify(server, apiKey, ledger) {
  const problems = [];
  // Every 2xx completion: the account exists.
  for (const a of ledger.accounts) {
    const res = await http(server, "GET", `/accounts/${a.id}`, { auth: apiKey });
    if (res.status !== 200) problems.push(`account ${a.id} (answered ${a.status}) → GET ${res.status}`);
    else if (res.json.origin_owner_id !== a.owner.id) problems.push(`account ${a.id} has owner ${res.json.origin_owner_id}, expected ${a.owner.id}`);
  }
  const accounts = await listAllAccounts(server, apiKey);
  // Every 201 session: authenticate answers 201, or (completed, token spent) 401 and an account exists.
  for (const s of ledger.sessions) {
    const res = await http(server, "POST", "/connect_sessions/authenticate", { auth: apiKey, body: { token: s.token } });
    if (res.status === 201) {
      if (res.json.id !== s.id) problems.push(`session ${s.id}: authenticate returned id ${res.json.id}`);
      if (s.completed) problems.push(`session ${s.id}: completed (account ${s.completed}) but its token is not spent`);
      continue;
    }
    if (res.status === 401) {
      const owned = accounts.some((a) => a.origin_owner_id === s.owner.id && a.provider === "demohris");
      if (!owned) problems.push(`session ${s.id}: token refused (${res.text.slice(0, 100)}) and no account for ${s.owner.id}`);
      continue;
    }
    problems.push(`session ${s.id}: authenticate → ${res.status} ${res.text.slice(0, 200)}`);
  }
  // multiple=false never yields two accounts for one key (pool owners are only ever linked with multiple=false).
  const byKey = new Map();
  for (const a of accounts) {
    if (!a.origin_owner_id.startsWith("owner-")) continue;
    const k = `${a.origin_owner_id}|${a.origin_owner_name}|${a.provider}`;
    byKey.set(k, (byKey.get(k) ?? 0) + 1);
  }
  for (const [k, n] of byKey) if (n > 1) problems.push(`${n} accounts for key ${k} (multiple=false)`);
  return { problems, accountCount: accounts.length };
}

async function integrityCheck(dbPath) {
  const { stdout } = await execFileP("sqlite3", [dbPath, "PRAGMA integrity_check;"], { timeout: 60_000 });
  return stdout.trim();
}

describe("SIGKILL mid-load, restart on the same SQLite file", () => {
  let first; // harness server (owns the temp dir; stop() at the very end removes it)
  let current; // the server currently running on the file
  let apiKey;
  let integrationId;
  const ledger = { sessions: [], accounts: [], other: [] };

  before(async () => {
    first = await startServer();
    current = first;
    const p = await createProject(first, "crash");
    apiKey = p.api_key;
    integrationId = (await enable(first, p.project_id, "demohris")).integration_id;
    assert.ok(integrationId, "integration enable --json must print integration_id");
  });

  after(async () => {
    if (current && current !== first) await current.kill?.();
    if (first) await first.stop(); // removes the temp dir
  });

  for (const round of [1, 2]) {
    it(`round ${round}: every 2xx survives SIGKILL`, { timeout: 120_000 }, async () => {
      const before = { s: ledger.sessions.length, a: ledger.accounts.length };
      const load = runLoad(current, apiKey, integrationId, ledger);
      // Let the load reach steady state, then kill at a random moment.
      await sleep(1500 + Math.floor(Math.random() * 1500));
      const killed = await (current === first ? (async () => { first.child.kill("SIGKILL"); return await once(first.child, "exit"); })() : current.kill());
      await load.stop();
      const newS = ledger.sessions.length - before.s;
      const newA = ledger.accounts.length - before.a;
      console.log(`# round ${round}: killed (${JSON.stringify(killed)}) after ${newS} sessions and ${newA} completions answered 2xx`);
      assert.ok(newS > 10 && newA > 5, `too little load before the kill: ${newS} sessions, ${newA} completions`);
      const killedText = await sanitizerText(current.logs(), current.child.pid);
      assert.doesNotMatch(killedText, SANITIZER_REPORT, `sanitizer report before the kill:\n${killedText.slice(-4000)}`);

      current = await startOn(first.dbPath, first.dataDir);
      const { problems, accountCount } = await verify(current, apiKey, ledger);
      console.log(`# round ${round}: ${ledger.sessions.length} sessions, ${ledger.accounts.length} completions checked; ${accountCount} accounts`);
      assert.deepEqual(problems, [], `after restart:\n${problems.slice(0, 30).join("\n")}`);
      if (ledger.other.length) console.log(`# non-2xx answers during load: ${ledger.other.slice(0, 5).join(" | ")}`);
      // The restarted server keeps working.
      const s = await http(current, "POST", "/connect_sessions", {
        auth: apiKey, body: { origin_owner_id: `after-${round}`, origin_owner_name: "After" },
      });
      expectJson(s, 201);
    });
  }

  it("the restarted server stops cleanly (exit 0, no sanitizer report)", { timeout: 90_000 }, async () => {
    const exited = await current.stop();
    await assertCleanExit(exited, current.logs(), current.child.pid, "restarted server");
  });

  it("SQLite integrity_check says ok", { timeout: 120_000 }, async () => {
    await current.stop();
    assert.equal(await integrityCheck(first.dbPath), "ok");
  });
});
