// Browser-facing safety: the hosted hub page (/link) carries a nonce-based Content-Security-Policy
// with a fresh nonce per response and frame-ancestors, Referrer-Policy: no-referrer and
// X-Content-Type-Options: nosniff; CORS headers appear only on /hub/* (the API with the secret key
// must not be callable from browsers).

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, createProject, enable, http, cliJson } from "./lib/harness.mjs";
import { createSession, hubHeaders } from "./lib/hub.mjs";
import { assertCleanExit, stopGracefully } from "./lib/clean_exit.mjs";

const ORIGIN = "https://customer.example";

/** Parses a CSP header into {directive: [values]}. */
function parseCsp(h) {
  const out = {};
  for (const part of String(h).split(";")) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) out[name.toLowerCase()] = values;
  }
  return out;
}

const hasCors = (res) => Object.keys(res.headers).some((k) => k.startsWith("access-control-"));

describe("browser-facing headers", () => {
  let server;
  let apiKey;
  let projectId;
  let token;

  before(async () => {
    server = await startServer();
    const p = await createProject(server, "headers");
    apiKey = p.api_key;
    projectId = p.project_id;
    await enable(server, projectId, "demohris");
    token = (await createSession(server, apiKey, { origin_owner_id: "o1", origin_owner_name: "O1", provider: "demohris" })).token;
  });

  let stopped = null;
  after(async () => {
    if (server && !stopped) await server.stop();
  });

  describe("GET /link", () => {
    let first;
    let second;
    let skip = false;

    before(async () => {
      first = await http(server, "GET", "/link");
      second = await http(server, "GET", "/link");
      if (first.status === 503) skip = "the hub page is not built into this binary (/link answers 503); run scripts/build.sh";
    });

    it("answers 200 HTML", (t) => {
      if (skip) return t.skip(skip);
      assert.equal(first.status, 200, first.text.slice(0, 200));
      assert.match(first.headers["content-type"], /^text\/html/);
    });

    it("has a nonce-based script-src with a fresh nonce per response", (t) => {
      if (skip) return t.skip(skip);
      const a = parseCsp(first.headers["content-security-policy"]);
      const b = parseCsp(second.headers["content-security-policy"]);
      assert.ok(a["script-src"], `no script-src: ${first.headers["content-security-policy"]}`);
      const nonceA = a["script-src"].find((v) => /^'nonce-[^']+'$/.test(v));
      const nonceB = b["script-src"].find((v) => /^'nonce-[^']+'$/.test(v));
      assert.ok(nonceA, `script-src has no nonce: ${a["script-src"].join(" ")}`);
      assert.notEqual(nonceA, nonceB, "the nonce must change per response");
      const raw = nonceA.slice(7, -1);
      assert.ok(raw.length >= 16, `nonce too short: ${raw}`);
      assert.ok(!a["script-src"].includes("'unsafe-inline'") || a["script-src"].some((v) => v.startsWith("'nonce-")),
        "unsafe-inline without a nonce");
      assert.ok(!a["script-src"].includes("'unsafe-eval'"), "script-src allows unsafe-eval");
      assert.ok(!a["script-src"].includes("*"), "script-src allows any origin");
      // The page's scripts carry the nonce of their own response.
      const scripts = [...first.text.matchAll(/<script\b[^>]*>/gi)].map((m) => m[0]);
      for (const s of scripts) assert.ok(s.includes(`nonce="${raw}"`), `script tag without this response's nonce: ${s}`);
      assert.ok(!first.text.includes("__CSP_NONCE__"), "placeholder left in the page");
    });

    it("has frame-ancestors, and a restrictive default-src / base-uri / object-src", (t) => {
      if (skip) return t.skip(skip);
      const csp = parseCsp(first.headers["content-security-policy"]);
      assert.ok(csp["frame-ancestors"] && csp["frame-ancestors"].length > 0, "frame-ancestors missing");
      assert.ok(csp["default-src"], "default-src missing");
      assert.ok(csp["base-uri"], "base-uri missing");
      assert.ok(csp["object-src"] || csp["default-src"].includes("'none'"), "object-src not restricted");
    });

    it("has Referrer-Policy: no-referrer and X-Content-Type-Options: nosniff", (t) => {
      if (skip) return t.skip(skip);
      assert.equal(first.headers["referrer-policy"], "no-referrer");
      assert.equal(first.headers["x-content-type-options"], "nosniff");
    });

    it("is not cacheable and carries no CORS headers", (t) => {
      if (skip) return t.skip(skip);
      assert.match(String(first.headers["cache-control"]), /no-store/);
      assert.ok(!hasCors(first), `CORS on /link: ${JSON.stringify(first.headers)}`);
    });

    it("a hostile ?project= value does not inject into the CSP", (t) => {
      if (skip) return t.skip(skip);
      return (async () => {
        const res = await http(server, "GET", `/link?project=${encodeURIComponent("x; script-src *")}`);
        assert.equal(res.status, 200);
        const csp = parseCsp(res.headers["content-security-policy"]);
        assert.ok(!csp["script-src"].includes("*"));
      })();
    });
  });

  describe("frame-ancestors from the project's allowed origins", () => {
    const ancestors = async (q) => {
      const res = await http(server, "GET", `/link${q}`);
      if (res.status === 503) return null;  // page not built into this binary
      assert.equal(res.status, 200);
      return parseCsp(res.headers["content-security-policy"])["frame-ancestors"];
    };

    it("none set: any ancestor, and /hub/settings says so", async (t) => {
      const fa = await ancestors(`?project=${projectId}`);
      if (!fa) return t.skip("the hub page is not built into this binary");
      assert.deepEqual(fa, ["*"]);
      const s = await http(server, "GET", "/hub/settings", { headers: hubHeaders(token) });
      assert.equal(s.json.project_id, projectId);
      assert.deepEqual(s.json.allowed_origins, []);
    });

    it("set: /link?project= sends exactly them, /hub/settings reports them; other projects keep *", async (t) => {
      const origins = ["https://app.customer.example", "http://localhost:3000"];
      const set = await cliJson(server, ["project", "set-origins", "--project", projectId, ...origins.flatMap((o) => ["--origin", o])]);
      assert.deepEqual(set.allowed_origins, origins);
      try {
        const fa = await ancestors(`?project=${projectId}&embed=1`);
        if (!fa) return t.skip("the hub page is not built into this binary");
        assert.deepEqual(fa, origins);
        const s = await http(server, "GET", "/hub/settings", { headers: hubHeaders(token) });
        assert.deepEqual(s.json.allowed_origins, origins);
        // The page learns the project from /hub/settings and reloads itself with ?project=; an unknown
        // or missing project gets the permissive header until then.
        assert.deepEqual(await ancestors("?project=prj_unknown"), ["*"]);
        assert.deepEqual(await ancestors(""), ["*"]);
      } finally {
        await cliJson(server, ["project", "set-origins", "--project", projectId]);
      }
    });

    it("an origin that is not a plain scheme://host[:port] is refused by set-origins", async () => {
      for (const bad of ["https://a.example; script-src *", "https://a.example/path", "javascript:alert(1)", "*"]) {
        await assert.rejects(cliJson(server, ["project", "set-origins", "--project", projectId, "--origin", bad]), undefined, bad);
      }
    });
  });

  describe("CORS only on /hub/*", () => {
    it("hub responses and preflights carry CORS headers", async () => {
      const res = await http(server, "GET", "/hub/settings", { headers: { ...hubHeaders(token), origin: ORIGIN } });
      assert.equal(res.status, 200, res.text);
      assert.ok(res.headers["access-control-allow-origin"], "no Access-Control-Allow-Origin on /hub/settings");
      const pre = await http(server, "OPTIONS", "/hub/accounts", {
        headers: { origin: ORIGIN, "access-control-request-method": "POST", "access-control-request-headers": "content-type,x-hub-session-token,x-hub-version" },
      });
      assert.ok(pre.status === 204 || pre.status === 200, `preflight ${pre.status}`);
      const allowed = String(pre.headers["access-control-allow-headers"]).toLowerCase();
      for (const h of ["content-type", "x-hub-session-token", "x-hub-version"]) assert.ok(allowed.includes(h), `preflight allow-headers lacks ${h}`);
      // Error answers on /hub/* are readable cross-origin too (the hub shows the message).
      const e = await http(server, "GET", "/hub/settings", { headers: { origin: ORIGIN } });
      assert.equal(e.status, 401);
      assert.ok(e.headers["access-control-allow-origin"], "no CORS on a /hub/* 401");
      assert.equal(e.headers["access-control-allow-credentials"], undefined, "hub CORS must not allow credentials");
    });

    const apiRoutes = [
      ["POST", "/connect_sessions", { origin_owner_id: "x", origin_owner_name: "X" }],
      ["POST", "/connect_sessions/authenticate", { token: "nope" }],
      ["GET", "/accounts"],
      ["GET", "/accounts/acc_none"],
      ["GET", "/accounts/acc_none/meta"],
      ["GET", "/connectors/meta"],
      ["GET", "/connectors/meta/demohris"],
      ["GET", "/link"],
      ["GET", "/healthz"],
    ];
    for (const [method, p, body] of apiRoutes) {
      it(`no CORS headers on ${method} ${p} (with and without the API key) or its preflight`, async () => {
        for (const auth of [apiKey, undefined]) {
          const res = await http(server, method, p, { auth, body, headers: { origin: ORIGIN } });
          assert.ok(res.status < 500, `${method} ${p}: ${res.status}`);
          assert.ok(!hasCors(res), `${method} ${p} (${auth ? "key" : "no key"}) has CORS: ${JSON.stringify(res.headers)}`);
          assert.equal(res.headers["x-content-type-options"], "nosniff", `${method} ${p}: nosniff`);
        }
        const pre = await http(server, "OPTIONS", p, {
          headers: { origin: ORIGIN, "access-control-request-method": method, "access-control-request-headers": "authorization,content-type" },
        });
        assert.ok(!hasCors(pre), `preflight of ${p} allowed: ${pre.status} ${JSON.stringify(pre.headers)}`);
        assert.ok(pre.status >= 400 && pre.status < 500, `preflight of ${p}: ${pre.status}`);
      });
    }
  });

  it("API JSON responses are not cacheable and are nosniff", async () => {
    const res = await http(server, "GET", "/accounts", { auth: apiKey });
    assert.equal(res.status, 200);
    assert.match(String(res.headers["cache-control"]), /no-store/);
    assert.equal(res.headers["x-content-type-options"], "nosniff");
    const s = await http(server, "POST", "/connect_sessions", { auth: apiKey, body: { origin_owner_id: "c", origin_owner_name: "C" } });
    assert.equal(s.status, 201);
    assert.match(String(s.headers["cache-control"]), /no-store/, "a response with a token must not be cached");
  });

  it("the server exits cleanly (exit 0, no sanitizer report)", { timeout: 90_000 }, async () => {
    stopped = await stopGracefully(server);
    await assertCleanExit(stopped, server.logs(), server.child.pid);
  });
});
