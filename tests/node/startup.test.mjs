// Start-up rules: fail closed without an encryption key in production, a 0600 development key file
// otherwise, and a broken catalog stops start-up with a message naming the entry.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, statSync, writeFileSync, rmSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { binPath, startServer } from "./lib/harness.mjs";

function serveOnce(args, env) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "connecthub-startup-"));
  const r = spawnSync(binPath(), ["serve", "--listen", "127.0.0.1:0", "--database", `sqlite:${dir}/db.sqlite`, ...args],
    { env: { ...process.env, CONNECTHUB_ENCRYPTION_KEY: "", ...env }, encoding: "utf8", timeout: 10000 });
  return { ...r, dir };
}

test("a production run without CONNECTHUB_ENCRYPTION_KEY refuses to start", () => {
  for (const [args, env] of [[["--production"], {}], [[], { CONNECTHUB_ENV: "production" }]]) {
    const r = serveOnce(args, env);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /refusing to start in production without CONNECTHUB_ENCRYPTION_KEY/);
    rmSync(r.dir, { recursive: true, force: true });
  }
});

test("a malformed key is refused", () => {
  const r = serveOnce([], { CONNECTHUB_ENCRYPTION_KEY: "abc" });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /32 bytes/);
  assert.ok(!r.stderr.includes("abc"), "the key value is not echoed");
  rmSync(r.dir, { recursive: true, force: true });
});

test("a development run generates a 0600 key file and reports it", async () => {
  const server = await startServer({ env: { CONNECTHUB_ENCRYPTION_KEY: "" } });
  try {
    const keyFile = path.join(server.dataDir, "encryption.key");
    const st = statSync(keyFile);
    assert.equal(st.mode & 0o777, 0o600);
    assert.match(readFileSync(keyFile, "utf8").trim(), /^[0-9a-f]{64}$/);
    assert.match(server.logs(), /generated a development encryption key in .*encryption\.key/);
    assert.ok(!server.logs().includes(readFileSync(keyFile, "utf8").trim()), "the key is never logged");
  } finally {
    await server.stop();
  }
});

test("a broken catalog stops start-up with a message naming the entry", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "connecthub-catalog-"));
  const file = path.join(dir, "providers.json");
  writeFileSync(file, JSON.stringify({ version: 1, providers: [
    { key: "good", name: "Good", category: "hris", logo: "x.svg", fields: [{ key: "a", label: "A", type: "text" }] },
    { key: "broken", name: "Broken", category: "nonsense", logo: "x.svg", fields: [{ key: "a", label: "A", type: "text" }] },
  ] }));
  const r = serveOnce(["--catalog", file], { CONNECTHUB_ENCRYPTION_KEY: "c".repeat(64) });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /providers\[1\] \(broken\).*unknown category 'nonsense'/);
  rmSync(dir, { recursive: true, force: true });
  rmSync(r.dir, { recursive: true, force: true });
});
