// Bad-input catalogue: malformed requests against every endpoint. Each answer must be a 4xx with a JSON
// error body {statusCode, message, timestamp} (DESIGN.md section 3), never a 5xx; raw-socket garbage
// gets a 400 or a closed connection; and the server keeps serving (GET /healthz after each batch).
// The server must also exit cleanly at the end (under ASan/UBSan, a report makes it exit non-zero).

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import {
  startServer, createProject, enable, http, httpNode, basic, ISO_Z,
} from "./lib/harness.mjs";
import { createSession, hubHeaders, demoCreds, linkAccount } from "./lib/hub.mjs";
import { assertCleanExit, stopGracefully } from "./lib/clean_exit.mjs";


/**
 * Sends exact bytes on a fresh TCP connection and reads until the server closes it, a complete
 * response (by Content-Length) arrived, or timeoutMs passed. Resolves
 * {status, headers, text, json, closed, raw} (status null when no response came).
 */
function rawRequest(port, bytes, { timeoutMs = 5000, endAfterWrite = false } = {}) {
  return new Promise((resolve) => {
    const sock = net.connect(port, "127.0.0.1");
    let buf = Buffer.alloc(0);
    let done = false;
    let closed = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(parseResponse(buf, closed));
    };
    const timer = setTimeout(finish, timeoutMs);
    // Written in 64 KiB slices, stopping as soon as an answer starts: the server may answer (413) and
    // close before reading everything, and a client that keeps writing into the closed connection
    // gets EPIPE/ECONNRESET, which makes Node drop the answer it already received.
    sock.on("connect", () => {
      // Like a client sending "Expect: 100-continue", give the server a moment to refuse the request
      // from its header alone (413/431) before the body goes out.
      const headEnd = bytes.indexOf("\r\n\r\n");
      let off = 0;
      const next = () => {
        if (done || buf.length > 0 || sock.destroyed) return;
        if (off >= bytes.length) {
          if (endAfterWrite) sock.end();
          return;
        }
        const end = off === 0 && headEnd >= 0 && bytes.length - headEnd > 65536 ? headEnd + 4 : off + 65536;
        const slice = bytes.subarray(off, end);
        off += slice.length;
        sock.write(slice, () => (end === headEnd + 4 ? setTimeout(next, 150) : setImmediate(next)));
      };
      next();
    });
    sock.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      const r = parseResponse(buf, false);
      if (r.complete) finish();
    });
    sock.on("error", () => { closed = true; finish(); });
    sock.on("close", () => { closed = true; finish(); });
  });
}

function parseResponse(buf, closed) {
  const raw = buf.toString("latin1");
  const end = raw.indexOf("\r\n\r\n");
  if (end < 0) return { status: null, headers: {}, text: "", json: undefined, closed, raw, complete: false };
  const lines = raw.slice(0, end).split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
  const headers = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(":");
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const body = buf.subarray(Buffer.byteLength(raw.slice(0, end + 4), "latin1"));
  const len = headers["content-length"] !== undefined ? Number(headers["content-length"]) : undefined;
  const complete = len !== undefined && body.length >= len;
  const text = body.subarray(0, len ?? body.length).toString("utf8");
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: m ? Number(m[1]) : null, headers, text, json, closed, raw, complete };
}

/** Asserts a 4xx JSON error ({statusCode, message, timestamp}), one of `allowed` when given. */
function expect4xx(res, allowed, label) {
  const ctx = `${label}: response ${res.status} ${res.headers["content-type"]}: ${String(res.text).slice(0, 300)}`;
  assert.ok(res.status >= 400 && res.status < 500, `expected a 4xx; ${ctx}`);
  if (allowed) {
    const list = Array.isArray(allowed) ? allowed : [allowed];
    assert.ok(list.includes(res.status), `expected ${list.join(" or ")}; ${ctx}`);
  }
  assert.match(String(res.headers["content-type"] ?? ""), /^application\/json\b/i, `content-type; ${ctx}`);
  assert.ok(res.json && typeof res.json === "object" && !Array.isArray(res.json), `JSON object body; ${ctx}`);
  assert.equal(res.json.statusCode, res.status, `statusCode; ${ctx}`);
  assert.equal(typeof res.json.message, "string", `message; ${ctx}`);
  assert.ok(res.json.message.length > 0, `message not empty; ${ctx}`);
  assert.match(String(res.json.timestamp), ISO_Z, `timestamp; ${ctx}`);
  if (res.status === 405) assert.ok(res.headers.allow, `405 needs an Allow header; ${ctx}`);
}

/** A raw HTTP/1.1 request as bytes. body: Buffer|string; headers: [[name, value]...]. */
function rawHttp(method, target, { headers = [], body } = {}) {
  const b = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8");
  const head = [`${method} ${target} HTTP/1.1`, "Host: 127.0.0.1", "Connection: close"];
  for (const [k, v] of headers) head.push(`${k}: ${v}`);
  if (b !== undefined && !headers.some(([k]) => /^(content-length|transfer-encoding)$/i.test(k))) {
    head.push(`Content-Length: ${b.length}`);
  }
  return Buffer.concat([Buffer.from(head.join("\r\n") + "\r\n\r\n", "latin1"), b ?? Buffer.alloc(0)]);
}

const nested = (n, open = "[", close = "]", inner = "1") => open.repeat(n) + inner + close.repeat(n);
const deepObject = (n) => '{"a":'.repeat(n) + "1" + "}".repeat(n);
const bytes = (...parts) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : Buffer.from(p))));
const MIB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------

let server;
let apiKey;
let accountId; // an account of the project (for PATCH/DELETE/meta cases)
let hubToken; // a live session token (for /hub/* cases); the cases never complete it
let integrationId; // demohris in the project
let counted = 0;

/**
 * Sends one case. c: {method, path, body (object → JSON; string/Buffer → raw), headers, auth
 * (true: the project's key; string: that header value; false: none), hub (true: the token),
 * raw (Buffer: exact bytes on a socket), expect (status or [statuses])}.
 */
async function send(c) {
  if (c.raw) {
    const bytesToSend = typeof c.raw === "function" ? c.raw() : c.raw;
    return rawRequest(server.port, bytesToSend, { timeoutMs: c.timeoutMs ?? 5000, endAfterWrite: c.fin === true });
  }
  const headers = {};
  if (c.auth === true || (c.auth === undefined && !c.hub)) headers.authorization = basic(apiKey);
  else if (typeof c.auth === "string") headers.authorization = c.auth;
  if (c.hub) Object.assign(headers, hubHeaders("token" in c ? c.token : hubToken));
  Object.assign(headers, c.headers ?? {});
  const path = typeof c.path === "function" ? c.path() : c.path;
  let body = typeof c.body === "function" ? c.body() : c.body;
  if (body !== undefined && typeof body === "object" && !Buffer.isBuffer(body)) body = JSON.stringify(body);
  if (body !== undefined && headers["content-type"] === undefined && !c.noContentType) {
    headers["content-type"] = "application/json";
  }
  // node:http reports early answers (413 before the body was read) that fetch would lose.
  const opts = { headers, body, timeoutMs: c.timeoutMs ?? 10_000 };
  if (c.noContentType || c.big) {
    // No content type (httpNode would add one), or a body the server refuses before reading it.
    return rawRequest(server.port, rawHttp(c.method, path, {
      headers: Object.entries(headers), body: body ?? "",
    }), { timeoutMs: c.timeoutMs ?? 5000 });
  }
  return httpNode(server, c.method, path, opts);
}

function batch(name, cases) {
  describe(name, () => {
    for (const c of cases) {
      counted++;
      it(c.name, c.todo ? { todo: c.todo } : {}, async () => {
        const res = await send(c);
        if (c.rawGarbage) {
          // A 400 (or another 4xx JSON error), or the connection closed without an answer; never a 5xx.
          if (res.status === null) {
            assert.ok(res.closed, `${c.name}: no response and the connection stayed open`);
          } else if (c.mayServe && res.status >= 200 && res.status < 300) {
            // Allowed by RFC 9112 (e.g. obs-fold replaced by spaces): served as a normal request.
          } else {
            expect4xx(res, c.expect, c.name);
          }
          return;
        }
        expect4xx(res, c.expect, c.name);
        if (c.mentions) {
          assert.match(res.json.message, c.mentions, `${c.name}: message should mention ${c.mentions}`);
        }
      });
    }
    it("the server still serves (GET /healthz)", async () => {
      const res = await http(server, "GET", "/healthz");
      assert.equal(res.status, 200, `healthz after "${name}": ${res.status} ${res.text}`);
    });
  });
}

before(async () => {
  server = await startServer();
  const p = await createProject(server, "bad-input");
  apiKey = p.api_key;
  const en = await enable(server, p.project_id, "demohris");
  integrationId = en.integration_id;
  if (!integrationId) {
    // Fall back to the hub's listing if the CLI's JSON names it differently.
    const s = await createSession(server, apiKey, { origin_owner_id: "probe", origin_owner_name: "Probe", provider: "demohris" });
    const list = await http(server, "GET", "/hub/connectors", { headers: hubHeaders(s.token) });
    integrationId = list.json.integrations[0].integration_id;
  }
  accountId = await linkAccount(server, apiKey,
    { origin_owner_id: "owner-1", origin_owner_name: "Owner One", provider: "demohris" }, integrationId, demoCreds());
  const s = await createSession(server, apiKey, {
    origin_owner_id: "owner-2", origin_owner_name: "Owner Two", provider: "demohris",
  });
  hubToken = s.token;
});

let stopped = null; // exit status once the final test stopped the server

after(async () => {
  if (server && !stopped) await server.stop();
});

const validSession = { origin_owner_id: "c-1", origin_owner_name: "Acme" };
const withSession = (extra) => ({ ...validSession, ...extra });

// ---------------------------------------------------------------------------------------------
// POST /connect_sessions

batch("POST /connect_sessions: body syntax", [
  { name: "truncated JSON", method: "POST", path: "/connect_sessions", body: '{"origin_owner_id":', expect: 400 },
  { name: "empty body", method: "POST", path: "/connect_sessions", body: "", expect: 400 },
  { name: "JSON array instead of object", method: "POST", path: "/connect_sessions", body: "[]", expect: 400 },
  { name: "JSON string instead of object", method: "POST", path: "/connect_sessions", body: '"hello"', expect: 400 },
  { name: "JSON null", method: "POST", path: "/connect_sessions", body: "null", expect: 400 },
  { name: "trailing garbage after the object", method: "POST", path: "/connect_sessions", body: JSON.stringify(validSession) + "xyz", expect: 400 },
  { name: "two objects", method: "POST", path: "/connect_sessions", body: "{} {}", expect: 400 },
  { name: "comments are not JSON", method: "POST", path: "/connect_sessions", body: '{/* c */"origin_owner_id":"a","origin_owner_name":"b"}', expect: 400 },
  { name: "NaN literal", method: "POST", path: "/connect_sessions", body: '{"origin_owner_id":"a","origin_owner_name":"b","expires_in":NaN}', expect: 400 },
  { name: "single quotes", method: "POST", path: "/connect_sessions", body: "{'origin_owner_id':'a'}", expect: 400 },
  { name: "raw NUL byte in the body", method: "POST", path: "/connect_sessions", body: bytes('{"origin_owner_id":"a', [0], '","origin_owner_name":"b"}'), expect: 400 },
  { name: "depth 10,000 arrays", method: "POST", path: "/connect_sessions", body: () => `{"metadata":${nested(10_000)}}`, expect: 400 },
  { name: "depth 10,000 objects", method: "POST", path: "/connect_sessions", body: () => deepObject(10_000), expect: 400 },
  { name: "depth 10,000 unterminated", method: "POST", path: "/connect_sessions", body: () => "[".repeat(10_000), expect: 400 },
  { name: "duplicate key", method: "POST", path: "/connect_sessions", body: '{"origin_owner_id":"a","origin_owner_id":"b","origin_owner_name":"c"}', expect: 400, mentions: /origin_owner_id/ },
  { name: "duplicate key inside metadata", method: "POST", path: "/connect_sessions", body: '{"origin_owner_id":"a","origin_owner_name":"c","metadata":{"k":1,"k":2}}', expect: 400 },
  { name: "invalid UTF-8 (C3 28) in a string", method: "POST", path: "/connect_sessions", body: bytes('{"origin_owner_id":"', [0xc3, 0x28], '","origin_owner_name":"b"}'), expect: 400 },
  { name: "invalid UTF-8 (FF) in a string", method: "POST", path: "/connect_sessions", body: bytes('{"origin_owner_id":"a","origin_owner_name":"', [0xff], '"}'), expect: 400 },
  { name: "overlong UTF-8 encoding of '/' (C0 AF)", method: "POST", path: "/connect_sessions", body: bytes('{"origin_owner_id":"', [0xc0, 0xaf], '","origin_owner_name":"b"}'), expect: 400 },
  { name: "UTF-8-encoded surrogate (ED A0 80)", method: "POST", path: "/connect_sessions", body: bytes('{"origin_owner_id":"', [0xed, 0xa0, 0x80], '","origin_owner_name":"b"}'), expect: 400 },
  { name: "invalid UTF-8 in a key", method: "POST", path: "/connect_sessions", body: bytes('{"', [0xfe], '":1}'), expect: 400 },
  { name: "lone high surrogate escape (\\ud800)", method: "POST", path: "/connect_sessions", body: '{"origin_owner_id":"\\ud800","origin_owner_name":"b"}', expect: 400 },
  { name: "lone low surrogate escape (\\udc00)", method: "POST", path: "/connect_sessions", body: '{"origin_owner_id":"a","origin_owner_name":"\\udc00"}', expect: 400 },
  { name: "UTF-16 body (BOM)", method: "POST", path: "/connect_sessions", body: Buffer.from("\ufeff" + JSON.stringify(validSession), "utf16le"), expect: 400 },
]);

batch("POST /connect_sessions: fields", [
  { name: "origin_owner_id is a number", method: "POST", path: "/connect_sessions", body: withSession({ origin_owner_id: 123 }), expect: 400, mentions: /origin_owner_id/ },
  { name: "origin_owner_name is null", method: "POST", path: "/connect_sessions", body: withSession({ origin_owner_name: null }), expect: 400, mentions: /origin_owner_name/ },
  { name: "origin_owner_name is whitespace", method: "POST", path: "/connect_sessions", body: withSession({ origin_owner_name: " \t " }), expect: 400, mentions: /origin_owner_name/ },
  { name: "origin_owner_id is an object", method: "POST", path: "/connect_sessions", body: withSession({ origin_owner_id: { a: 1 } }), expect: 400 },
  { name: "NUL in a JSON string (\\u0000)", method: "POST", path: "/connect_sessions", body: withSession({ origin_owner_id: "a\u0000b" }), expect: 400, mentions: /origin_owner_id/ },
  { name: "NUL in label", method: "POST", path: "/connect_sessions", body: withSession({ label: "\u0000" }), expect: 400, mentions: /label/ },
  { name: "origin_owner_id of 256 characters", method: "POST", path: "/connect_sessions", body: withSession({ origin_owner_id: "x".repeat(256) }), expect: 400, mentions: /origin_owner_id/ },
  { name: "origin_owner_name of 1,000,000 characters", method: "POST", path: "/connect_sessions", body: () => withSession({ origin_owner_name: "n".repeat(1_000_000) }), expect: 400 },
  { name: "label of 1,025 characters", method: "POST", path: "/connect_sessions", body: withSession({ label: "l".repeat(1025) }), expect: 400, mentions: /label/ },
  { name: "key of 900,000 characters", method: "POST", path: "/connect_sessions", body: () => `{"${"k".repeat(900_000)}":1}`, expect: 400 },
  { name: "metadata of 20 KiB", method: "POST", path: "/connect_sessions", body: withSession({ metadata: { blob: "m".repeat(20 * 1024) } }), expect: 400, mentions: /metadata/ },
  { name: "metadata with a number beyond double range (1e400)", method: "POST", path: "/connect_sessions", body: '{"origin_owner_id":"a","origin_owner_name":"b","metadata":{"n":1e400}}', expect: 400, mentions: /too large/ },
  { name: "metadata with 0e400 (read as NaN)", method: "POST", path: "/connect_sessions", body: '{"origin_owner_id":"a","origin_owner_name":"b","metadata":{"n":0e400}}', expect: 400, mentions: /too large/ },
  { name: "metadata is an array", method: "POST", path: "/connect_sessions", body: withSession({ metadata: [1, 2] }), expect: 400, mentions: /metadata/ },
  { name: "multiple is a string", method: "POST", path: "/connect_sessions", body: withSession({ multiple: "yes" }), expect: 400, mentions: /multiple/ },
  { name: "expires_in is a string", method: "POST", path: "/connect_sessions", body: withSession({ expires_in: "60" }), expect: 400, mentions: /expires_in/ },
  { name: "expires_in is 0", method: "POST", path: "/connect_sessions", body: withSession({ expires_in: 0 }), expect: 400, mentions: /expires_in/ },
  { name: "expires_in is 30 days + 1 s", method: "POST", path: "/connect_sessions", body: withSession({ expires_in: 2592001 }), expect: 400, mentions: /expires_in/ },
  { name: "expires_in is 1e300", method: "POST", path: "/connect_sessions", body: '{"origin_owner_id":"a","origin_owner_name":"b","expires_in":1e300}', expect: 400 },
  { name: "expires_in is 2^64", method: "POST", path: "/connect_sessions", body: '{"origin_owner_id":"a","origin_owner_name":"b","expires_in":18446744073709551616}', expect: 400 },
  { name: "expires_in is 1.5", method: "POST", path: "/connect_sessions", body: withSession({ expires_in: 1.5 }), expect: 400 },
  { name: "categories is a string", method: "POST", path: "/connect_sessions", body: withSession({ categories: "hris" }), expect: 400, mentions: /categories/ },
  { name: "unknown category", method: "POST", path: "/connect_sessions", body: withSession({ categories: ["payroll"] }), expect: 400, mentions: /categor/ },
  { name: "categories with 10,000 entries", method: "POST", path: "/connect_sessions", body: () => withSession({ categories: Array(10_000).fill("hris") }), expect: 400 },
  { name: "type is 'staging'", method: "POST", path: "/connect_sessions", body: withSession({ type: "staging" }), expect: 400, mentions: /type/ },
  { name: "unknown field (typo)", method: "POST", path: "/connect_sessions", body: withSession({ origin_owner_idd: "x" }), expect: 400, mentions: /origin_owner_idd/ },
  { name: "unknown provider", method: "POST", path: "/connect_sessions", body: withSession({ provider: "no_such_provider" }), expect: 400, mentions: /provider/ },
  { name: "provider is a number", method: "POST", path: "/connect_sessions", body: withSession({ provider: 5 }), expect: 400, mentions: /provider/ },
  { name: "provider known but not enabled", method: "POST", path: "/connect_sessions", body: withSession({ provider: "bamboohr" }), expect: 400, mentions: /provider/ },
  { name: "account_id is empty", method: "POST", path: "/connect_sessions", body: withSession({ account_id: "" }), expect: 400, mentions: /account_id/ },
  { name: "account_id looks like a traversal", method: "POST", path: "/connect_sessions", body: withSession({ account_id: "../../etc/passwd" }), expect: [400, 404] },
]);

batch("POST /connect_sessions: auth, size and content type", [
  { name: "no Authorization header", method: "POST", path: "/connect_sessions", auth: false, body: validSession, expect: 401 },
  { name: "Bearer scheme", method: "POST", path: "/connect_sessions", auth: "Bearer abc", body: validSession, expect: 401 },
  { name: "Basic with invalid base64", method: "POST", path: "/connect_sessions", auth: "Basic !!!***", body: validSession, expect: 401 },
  { name: "Basic with an unknown key", method: "POST", path: "/connect_sessions", auth: basic("no-such-key"), body: validSession, expect: 401 },
  { name: "Basic whose key holds a NUL byte", method: "POST", path: "/connect_sessions", auth: "Basic " + Buffer.from("ke\u0000y:").toString("base64"), body: validSession, expect: 401 },
  { name: "Basic with a 12 KiB value", method: "POST", path: "/connect_sessions", auth: "Basic " + "QUFB".repeat(3000), body: validSession, expect: 401 },
  { name: "body over 1 MiB", method: "POST", path: "/connect_sessions", big: true, body: () => withSession({ label: "x".repeat(MIB + 10) }), expect: 413 },
  { name: "body of 8 MiB", method: "POST", path: "/connect_sessions", big: true, body: () => Buffer.alloc(8 * MIB, 0x20), expect: 413 },
  { name: "Content-Type text/plain", method: "POST", path: "/connect_sessions", headers: { "content-type": "text/plain" }, body: validSession, expect: 415 },
  { name: "Content-Type form-urlencoded", method: "POST", path: "/connect_sessions", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "origin_owner_id=a&origin_owner_name=b", expect: 415 },
  { name: "Content-Type multipart/form-data", method: "POST", path: "/connect_sessions", headers: { "content-type": "multipart/form-data; boundary=x" }, body: "--x\r\n\r\n--x--", expect: 415 },
  { name: "no Content-Type", method: "POST", path: "/connect_sessions", noContentType: true, body: validSession, expect: 415 },
  { name: "Content-Type application/jsonx", method: "POST", path: "/connect_sessions", headers: { "content-type": "application/jsonx" }, body: validSession, expect: 415 },
  { name: "GET is not allowed", method: "GET", path: "/connect_sessions", expect: 405 },
  { name: "PUT is not allowed", method: "PUT", path: "/connect_sessions", body: validSession, expect: 405 },
  { name: "DELETE is not allowed", method: "DELETE", path: "/connect_sessions", expect: 405 },
]);

batch("POST /connect_sessions/authenticate", [
  { name: "empty object", method: "POST", path: "/connect_sessions/authenticate", body: {}, expect: 400, mentions: /token/ },
  { name: "token is a number", method: "POST", path: "/connect_sessions/authenticate", body: { token: 5 }, expect: 400, mentions: /token/ },
  { name: "token is null", method: "POST", path: "/connect_sessions/authenticate", body: { token: null }, expect: 400 },
  { name: "extra field", method: "POST", path: "/connect_sessions/authenticate", body: { token: "x", extra: 1 }, expect: 400, mentions: /extra/ },
  { name: "unknown token", method: "POST", path: "/connect_sessions/authenticate", body: { token: "cst_unknown" }, expect: 401 },
  { name: "token with spaces", method: "POST", path: "/connect_sessions/authenticate", body: { token: "a b c" }, expect: 401 },
  { name: "token with NUL", method: "POST", path: "/connect_sessions/authenticate", body: { token: "cst_\u0000" }, expect: 400 },
  { name: "token of 100,000 characters", method: "POST", path: "/connect_sessions/authenticate", body: () => ({ token: "t".repeat(100_000) }), expect: [400, 401] },
  { name: "invalid JSON", method: "POST", path: "/connect_sessions/authenticate", body: "{token:", expect: 400 },
  { name: "depth 10,000", method: "POST", path: "/connect_sessions/authenticate", body: () => `{"token":${nested(10_000)}}`, expect: 400 },
  { name: "text/plain", method: "POST", path: "/connect_sessions/authenticate", headers: { "content-type": "text/plain" }, body: { token: "x" }, expect: 415 },
  { name: "no API key", method: "POST", path: "/connect_sessions/authenticate", auth: false, body: { token: "x" }, expect: 401 },
  { name: "GET is not allowed", method: "GET", path: "/connect_sessions/authenticate", expect: 405 },
]);

// ---------------------------------------------------------------------------------------------
// /accounts

batch("GET /accounts with a bad query", [
  { name: "page=0", method: "GET", path: "/accounts?page=0", expect: 400, mentions: /page/ },
  { name: "page=-1", method: "GET", path: "/accounts?page=-1", expect: 400, mentions: /page/ },
  { name: "page=abc", method: "GET", path: "/accounts?page=abc", expect: 400, mentions: /page/ },
  { name: "page=1e3", method: "GET", path: "/accounts?page=1e3", expect: 400 },
  { name: "page of 30 digits", method: "GET", path: "/accounts?page=" + "9".repeat(30), expect: 400 },
  { name: "page= (empty)", method: "GET", path: "/accounts?page=", expect: 400 },
  { name: "page_size=0", method: "GET", path: "/accounts?page_size=0", expect: 400, mentions: /page_size/ },
  { name: "page_size=100000", method: "GET", path: "/accounts?page_size=100000", expect: 400, mentions: /page_size/ },
  { name: "status=deleted", method: "GET", path: "/accounts?status=deleted", expect: 400, mentions: /status/ },
  { name: "provider of 300 characters", method: "GET", path: "/accounts?provider=" + "p".repeat(300), expect: 400 },
  { name: "101 provider values", method: "GET", path: "/accounts?" + Array.from({ length: 101 }, (_, i) => `provider=p${i}`).join("&"), expect: 400 },
  { name: "1,001 parameters", method: "GET", path: "/accounts?" + Array.from({ length: 1001 }, (_, i) => `x${i}=1`).join("&"), expect: 400 },
  { name: "percent-encoded NUL in a value", method: "GET", path: "/accounts?origin_owner_id=a%00b", expect: 400 },
  { name: "percent-encoded NUL in a key", method: "GET", path: "/accounts?a%00=1", expect: 400 },
  { name: "malformed escape %zz", method: "GET", path: "/accounts?provider=%zz", expect: 400 },
  { name: "truncated escape at the end", method: "GET", path: "/accounts?provider=%4", expect: 400 },
  { name: "page with an encoded invalid UTF-8 byte", method: "GET", path: "/accounts?page=%FF", expect: 400 },
  { name: "no API key", method: "GET", path: "/accounts", auth: false, expect: 401 },
  { name: "POST is not allowed", method: "POST", path: "/accounts", body: {}, expect: 405 },
  { name: "DELETE is not allowed", method: "DELETE", path: "/accounts", expect: 405 },
]);

batch("/accounts/{id}", [
  { name: "GET traversal-looking id", method: "GET", path: "/accounts/..%2F..%2Fetc%2Fpasswd", expect: 404 },
  { name: "GET id '..'", method: "GET", path: "/accounts/%2e%2e", expect: 404 },
  { name: "GET id with encoded NUL", method: "GET", path: "/accounts/acc%00", expect: 400 },
  { name: "GET id with malformed escape", method: "GET", path: "/accounts/%zz", expect: 400 },
  { name: "GET id of 5,000 characters", method: "GET", path: "/accounts/" + "a".repeat(5000), expect: [400, 404] },
  { name: "GET id with encoded invalid UTF-8", method: "GET", path: "/accounts/%C3%28", expect: [400, 404] },
  { name: "GET id with a SQL-looking value", method: "GET", path: "/accounts/" + encodeURIComponent("x' OR '1'='1"), expect: 404 },
  { name: "GET another project's / unknown id", method: "GET", path: "/accounts/acc_doesnotexist", expect: 404 },
  { name: "GET no API key", method: "GET", path: () => `/accounts/${accountId}`, auth: false, expect: 401 },
  { name: "DELETE traversal-looking id", method: "DELETE", path: "/accounts/..%2F..%2Fetc%2Fpasswd", expect: 404 },
  { name: "DELETE id with encoded NUL", method: "DELETE", path: "/accounts/%00", expect: 400 },
  { name: "PATCH invalid JSON", method: "PATCH", path: () => `/accounts/${accountId}`, body: "{label:", expect: 400 },
  { name: "PATCH body is an array", method: "PATCH", path: () => `/accounts/${accountId}`, body: "[]", expect: 400 },
  { name: "PATCH unknown field", method: "PATCH", path: () => `/accounts/${accountId}`, body: { lable: "x" }, expect: 400, mentions: /lable/ },
  { name: "PATCH status 'deleted'", method: "PATCH", path: () => `/accounts/${accountId}`, body: { status: "deleted" }, expect: 400, mentions: /status/ },
  { name: "PATCH label is a number", method: "PATCH", path: () => `/accounts/${accountId}`, body: { label: 5 }, expect: 400, mentions: /label/ },
  { name: "PATCH label of 2,000 characters", method: "PATCH", path: () => `/accounts/${accountId}`, body: { label: "l".repeat(2000) }, expect: 400 },
  { name: "PATCH credentials is a string", method: "PATCH", path: () => `/accounts/${accountId}`, body: { credentials: "secret" }, expect: 400, mentions: /credentials/ },
  { name: "PATCH credentials with an unknown field", method: "PATCH", path: () => `/accounts/${accountId}`, body: { credentials: { password: "x" } }, expect: 400 },
  { name: "PATCH credentials value with NUL", method: "PATCH", path: () => `/accounts/${accountId}`, body: { credentials: { company: "a\u0000b" } }, expect: 400 },
  { name: "PATCH credentials value of 20,000 characters", method: "PATCH", path: () => `/accounts/${accountId}`, body: { secrets: { api_key: "k".repeat(20_000) } }, expect: 400 },
  { name: "PATCH metadata with a number beyond double range (1e400)", method: "PATCH", path: () => `/accounts/${accountId}`, body: '{"metadata":{"n":-1e400}}', expect: 400, mentions: /too large/ },
  { name: "PATCH metadata is an array", method: "PATCH", path: () => `/accounts/${accountId}`, body: { metadata: [1] }, expect: 400, mentions: /metadata/ },
  { name: "PATCH provider change", method: "PATCH", path: () => `/accounts/${accountId}`, body: { provider: "bamboohr" }, expect: 400, mentions: /provider/ },
  { name: "PATCH origin_owner_id empty", method: "PATCH", path: () => `/accounts/${accountId}`, body: { origin_owner_id: "" }, expect: 400, mentions: /origin_owner_id/ },
  { name: "PATCH type 'staging'", method: "PATCH", path: () => `/accounts/${accountId}`, body: { type: "staging" }, expect: 400 },
  { name: "PATCH duplicate keys", method: "PATCH", path: () => `/accounts/${accountId}`, body: '{"label":"a","label":"b"}', expect: 400 },
  { name: "PATCH depth 10,000", method: "PATCH", path: () => `/accounts/${accountId}`, body: () => `{"metadata":${deepObject(10_000)}}`, expect: 400 },
  { name: "PATCH invalid UTF-8", method: "PATCH", path: () => `/accounts/${accountId}`, body: bytes('{"label":"', [0xe2, 0x82], '"}'), expect: 400 },
  { name: "PATCH text/plain", method: "PATCH", path: () => `/accounts/${accountId}`, headers: { "content-type": "text/plain" }, body: { label: "x" }, expect: 415 },
  { name: "PATCH body over 1 MiB", method: "PATCH", path: () => `/accounts/${accountId}`, big: true, body: () => ({ label: "x".repeat(MIB + 1) }), expect: 413 },
  { name: "PATCH unknown id", method: "PATCH", path: "/accounts/acc_doesnotexist", body: { label: "x" }, expect: 404 },
  { name: "PUT is not allowed", method: "PUT", path: () => `/accounts/${accountId}`, body: {}, expect: 405 },
  { name: "POST is not allowed", method: "POST", path: () => `/accounts/${accountId}`, body: {}, expect: 405 },
]);

batch("GET /accounts/{id}/meta", [
  { name: "traversal-looking id", method: "GET", path: "/accounts/..%2F..%2Fetc%2Fpasswd/meta", expect: 404 },
  { name: "encoded NUL id", method: "GET", path: "/accounts/%00/meta", expect: 400 },
  { name: "unknown id", method: "GET", path: "/accounts/nope/meta", expect: 404 },
  { name: "no API key", method: "GET", path: () => `/accounts/${accountId}/meta`, auth: false, expect: 401 },
  { name: "DELETE is not allowed", method: "DELETE", path: () => `/accounts/${accountId}/meta`, expect: 405 },
]);

// ---------------------------------------------------------------------------------------------
// /connectors/meta

batch("/connectors/meta", [
  { name: "include of 600 characters", method: "GET", path: "/connectors/meta?include=" + "i".repeat(600), expect: 400 },
  { name: "include with encoded NUL", method: "GET", path: "/connectors/meta?include=%00", expect: 400 },
  { name: "unknown provider", method: "GET", path: "/connectors/meta/no_such_provider", expect: 404 },
  { name: "traversal-looking provider", method: "GET", path: "/connectors/meta/..%2F..%2Fetc%2Fpasswd", expect: 404 },
  { name: "provider with encoded NUL", method: "GET", path: "/connectors/meta/demohris%00", expect: 400 },
  { name: "provider of 10,000 characters", method: "GET", path: "/connectors/meta/" + "p".repeat(10_000), expect: [400, 404] },
  { name: "no API key", method: "GET", path: "/connectors/meta", auth: false, expect: 401 },
  { name: "POST is not allowed", method: "POST", path: "/connectors/meta", body: {}, expect: 405 },
  { name: "PATCH is not allowed on one provider", method: "PATCH", path: "/connectors/meta/demohris", body: {}, expect: 405 },
]);

// ---------------------------------------------------------------------------------------------
// /hub/* (with a valid token unless the case is about the token)

const hubSubmission = (extra) => () => ({ integration_id: integrationId, ...extra });

batch("/hub/* tokens", [
  { name: "GET /hub/settings without a token", method: "GET", path: "/hub/settings", hub: true, token: null, expect: 401 },
  { name: "token with a space", method: "GET", path: "/hub/settings", hub: true, token: "cst_a b", expect: 401 },
  { name: "token of 600 characters", method: "GET", path: "/hub/settings", hub: true, token: "t".repeat(600), expect: 401 },
  { name: "token with non-ASCII bytes (latin1)", method: "GET", path: "/hub/connectors", raw: () => rawHttp("GET", "/hub/connectors", { headers: [["x-hub-session-token", "cst_\xe9\xff"]] }), expect: [400, 401] },
  { name: "GET /hub/settings with a malformed query escape", method: "GET", path: "/hub/settings?x=%zz", hub: true, expect: 400 },
  { name: "GET /hub/settings with an encoded NUL in the query", method: "GET", path: "/hub/settings?%00=1", hub: true, expect: 400 },
  { name: "unknown token on POST /hub/accounts", method: "POST", path: "/hub/accounts", hub: true, token: "cst_unknown", body: { integration_id: "x", credentials: {} }, expect: 401 },
]);

batch("/hub/connectors", [
  { name: "provider filter with encoded NUL", method: "GET", path: "/hub/connectors?provider=%00", hub: true, expect: 400 },
  { name: "provider filter malformed escape", method: "GET", path: "/hub/connectors?provider=%G1", hub: true, expect: 400 },
  { name: "traversal-looking integration id", method: "GET", path: "/hub/connectors/..%2F..%2Fetc%2Fpasswd", hub: true, expect: [403, 404] },
  { name: "integration id with encoded NUL", method: "GET", path: "/hub/connectors/%00", hub: true, expect: 400 },
  { name: "integration id of 5,000 characters", method: "GET", path: "/hub/connectors/" + "i".repeat(5000), hub: true, expect: [403, 404] },
  { name: "POST is not allowed", method: "POST", path: "/hub/connectors", hub: true, body: {}, expect: 405 },
  { name: "PUT /hub/settings is not allowed", method: "PUT", path: "/hub/settings", hub: true, body: {}, expect: 405 },
]);

batch("POST /hub/accounts", [
  { name: "invalid JSON", method: "POST", path: "/hub/accounts", hub: true, body: "{integration_id", expect: 400 },
  { name: "empty object", method: "POST", path: "/hub/accounts", hub: true, body: {}, expect: 400, mentions: /integration_id/ },
  { name: "integration_id is a number", method: "POST", path: "/hub/accounts", hub: true, body: { integration_id: 5, credentials: {} }, expect: 400 },
  { name: "credentials is an array", method: "POST", path: "/hub/accounts", hub: true, body: hubSubmission({ credentials: [] }), expect: 400, mentions: /credentials/ },
  { name: "credentials is a string", method: "POST", path: "/hub/accounts", hub: true, body: hubSubmission({ credentials: "k" }), expect: 400 },
  { name: "unknown top-level field", method: "POST", path: "/hub/accounts", hub: true, body: hubSubmission({ credentials: {}, foo: 1 }), expect: 400, mentions: /foo/ },
  { name: "unknown integration_id", method: "POST", path: "/hub/accounts", hub: true, body: { integration_id: "int_nope", credentials: {} }, expect: [400, 403, 404] },
  { name: "traversal-looking integration_id", method: "POST", path: "/hub/accounts", hub: true, body: { integration_id: "../../etc/passwd", credentials: {} }, expect: [400, 403, 404] },
  { name: "credentials missing required fields", method: "POST", path: "/hub/accounts", hub: true, body: hubSubmission({ credentials: {} }), expect: 400 },
  { name: "credentials with an unknown field", method: "POST", path: "/hub/accounts", hub: true, body: hubSubmission({ credentials: { company: "acme", api_key: "abcdefgh1", password: "x" } }), expect: 400 },
  { name: "credential failing its pattern", method: "POST", path: "/hub/accounts", hub: true, body: hubSubmission({ credentials: { company: "Not Valid!", api_key: "abcdefgh1" } }), expect: 400 },
  { name: "credential value with NUL", method: "POST", path: "/hub/accounts", hub: true, body: hubSubmission({ credentials: { company: "acme", api_key: "abcdefgh\u0000" } }), expect: 400 },
  { name: "credential value is a number", method: "POST", path: "/hub/accounts", hub: true, body: hubSubmission({ credentials: { company: 5, api_key: "abcdefgh1" } }), expect: 400 },
  { name: "credential value is an object", method: "POST", path: "/hub/accounts", hub: true, body: hubSubmission({ credentials: { company: { a: 1 }, api_key: "abcdefgh1" } }), expect: 400 },
  { name: "credential value of 20,000 characters", method: "POST", path: "/hub/accounts", hub: true, body: hubSubmission({ credentials: { company: "acme", api_key: "k".repeat(20_000) } }), expect: 400 },
  { name: "credential value of 900,000 characters", method: "POST", path: "/hub/accounts", hub: true, body: hubSubmission({ credentials: { company: "acme", api_key: "k".repeat(900_000) } }), expect: 400 },
  { name: "credential with invalid UTF-8", method: "POST", path: "/hub/accounts", hub: true, body: () => bytes(`{"integration_id":"${integrationId}","credentials":{"company":"`, [0xf0, 0x28, 0x8c, 0x28], '","api_key":"abcdefgh1"}}'), expect: 400 },
  { name: "duplicate credential key", method: "POST", path: "/hub/accounts", hub: true, body: () => `{"integration_id":"${integrationId}","credentials":{"company":"a","company":"b","api_key":"abcdefgh1"}}`, expect: 400 },
  { name: "depth 10,000", method: "POST", path: "/hub/accounts", hub: true, body: () => `{"integration_id":"x","credentials":${deepObject(10_000)}}`, expect: 400 },
  { name: "text/plain", method: "POST", path: "/hub/accounts", hub: true, headers: { "content-type": "text/plain" }, body: hubSubmission({ credentials: {} }), expect: 415 },
  { name: "body over 1 MiB", method: "POST", path: "/hub/accounts", hub: true, big: true, body: () => ({ integration_id: integrationId, credentials: { company: "x".repeat(MIB + 1) } }), expect: 413 },
]);

batch("/hub/accounts/{id}", [
  { name: "GET an account this session may not edit", method: "GET", path: () => `/hub/accounts/${accountId}`, hub: true, expect: [403, 404] },
  { name: "GET traversal-looking id", method: "GET", path: "/hub/accounts/..%2F..%2Fetc%2Fpasswd", hub: true, expect: [403, 404] },
  { name: "GET id with encoded NUL", method: "GET", path: "/hub/accounts/%00", hub: true, expect: 400 },
  { name: "PATCH an account this session may not edit", method: "PATCH", path: () => `/hub/accounts/${accountId}`, hub: true, body: hubSubmission({ credentials: { company: "x", api_key: "abcdefgh1" } }), expect: [403, 404] },
  { name: "PATCH invalid JSON", method: "PATCH", path: () => `/hub/accounts/${accountId}`, hub: true, body: "{", expect: [400, 403, 404] },
  { name: "DELETE is not allowed", method: "DELETE", path: () => `/hub/accounts/${accountId}`, hub: true, expect: 405 },
  { name: "PUT is not allowed", method: "PUT", path: () => `/hub/accounts/${accountId}`, hub: true, body: {}, expect: 405 },
]);

batch("public routes", [
  { name: "logo traversal", method: "GET", path: "/logos/..%2F..%2Fetc%2Fpasswd", auth: false, expect: 404 },
  { name: "logo with encoded NUL", method: "GET", path: "/logos/demohris.svg%00.png", auth: false, expect: 400 },
  { name: "asset traversal", method: "GET", path: "/assets/..%2F..%2Fetc%2Fpasswd", auth: false, expect: 404 },
  { name: "/link with an encoded NUL in the query", method: "GET", path: "/link?project=%00", auth: false, expect: 400 },
  { name: "POST /healthz is not allowed", method: "POST", path: "/healthz", auth: false, body: {}, expect: 405 },
  { name: "unknown path", method: "GET", path: "/etc/passwd", auth: false, expect: 404 },
  { name: "double-encoded traversal", method: "GET", path: "/logos/%252e%252e%252fetc%252fpasswd", auth: false, expect: 404 },
]);

// ---------------------------------------------------------------------------------------------
// Headers and raw HTTP

batch("oversized headers", [
  { name: "one 20 KiB header", raw: () => rawHttp("GET", "/accounts", { headers: [["X-Big", "b".repeat(20 * 1024)]] }), expect: 431 },
  { name: "200 headers of 100 bytes", raw: () => rawHttp("GET", "/hub/settings", { headers: Array.from({ length: 200 }, (_, i) => [`X-H${i}`, "v".repeat(100)]) }), expect: 431 },
  { name: "20 KiB Authorization header", raw: () => rawHttp("GET", "/accounts", { headers: [["Authorization", "Basic " + "Q".repeat(20 * 1024)]] }), expect: 431 },
  { name: "20 KiB request target", raw: () => rawHttp("GET", "/accounts?x=" + "a".repeat(20 * 1024)), expect: [414, 431] },
  { name: "Content-Length of 10 GB", raw: () => rawHttp("POST", "/connect_sessions", { headers: [["Content-Type", "application/json"], ["Content-Length", "10000000000"]] }), expect: 413 },
  { name: "chunked body over 1 MiB", raw: () => {
    const chunk = Buffer.from("x".repeat(64 * 1024));
    const parts = [Buffer.from(`POST /connect_sessions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nAuthorization: ${basic(apiKey)}\r\nTransfer-Encoding: chunked\r\n\r\n`)];
    for (let i = 0; i < 20; i++) parts.push(Buffer.from(chunk.length.toString(16) + "\r\n"), chunk, Buffer.from("\r\n"));
    parts.push(Buffer.from("0\r\n\r\n"));
    return Buffer.concat(parts);
  }, expect: 413 },
]);

batch("HTTP garbage on the raw socket", [
  { name: "a line of text", rawGarbage: true, raw: Buffer.from("HELLO THERE\r\n\r\n"), expect: 400 },
  { name: "binary bytes", rawGarbage: true, raw: Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe, 0x0d, 0x0a, 0x0d, 0x0a]), expect: 400 },
  { name: "TLS ClientHello", rawGarbage: true, raw: Buffer.from("16030100a5010000a10303" + "00".repeat(64), "hex"), expect: 400 },
  { name: "HTTP/2 preface", rawGarbage: true, raw: Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), expect: 400 },
  { name: "bare LF line endings", rawGarbage: true, raw: Buffer.from("GET /healthz HTTP/1.1\nHost: x\n\n"), expect: 400 },
  { name: "header line without a colon", rawGarbage: true, raw: Buffer.from("GET /healthz HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n"), expect: 400 },
  { name: "space in the target", rawGarbage: true, raw: Buffer.from("GET /a b HTTP/1.1\r\nHost: x\r\n\r\n"), expect: 400 },
  { name: "raw NUL in the target", rawGarbage: true, raw: Buffer.from("GET /accounts/\x00 HTTP/1.1\r\nHost: x\r\n\r\n", "latin1"), expect: 400 },
  { name: "raw invalid UTF-8 byte in the target", rawGarbage: true, raw: Buffer.from("GET /accounts/\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "latin1"), expect: [400, 401, 404] },
  { name: "raw NUL in a header value", rawGarbage: true, raw: Buffer.from("GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", "latin1"), expect: 400 },
  { name: "non-token method", rawGarbage: true, raw: Buffer.from("G(E)T /healthz HTTP/1.1\r\nHost: x\r\n\r\n"), expect: 400 },
  { name: "HTTP version 9.9", rawGarbage: true, raw: Buffer.from("GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n"), expect: [400, 505] },
  { name: "negative Content-Length", rawGarbage: true, raw: Buffer.from("POST /connect_sessions HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"), expect: 400 },
  { name: "two different Content-Lengths", rawGarbage: true, raw: Buffer.from("POST /connect_sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"), expect: 400 },
  { name: "Content-Length and chunked together", rawGarbage: true, raw: Buffer.from("POST /connect_sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n"), expect: [400, 401] },
  { name: "bad chunk size", rawGarbage: true, raw: Buffer.from("POST /connect_sessions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n"), expect: 400 },
  { name: "chunk size overflowing 64 bits", rawGarbage: true, raw: Buffer.from("POST /connect_sessions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\nabc\r\n"), expect: [400, 413] },
  { name: "obsolete line folding", rawGarbage: true, raw: Buffer.from("GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n  folded\r\nConnection: close\r\n\r\n"), expect: 400, mayServe: true },
  { name: "request cut off mid-header, then FIN", rawGarbage: true, raw: Buffer.from("GET /healthz HTTP/1.1\r\nHo"), fin: true, expect: 400 },
]);

/** Sends bytes, half-closes, and collects everything until the server closes (or timeoutMs). */
function rawExchange(port, bytes, timeoutMs = 3000) {
  return new Promise((resolve) => {
    const sock = net.connect(port, "127.0.0.1");
    let data = "";
    const timer = setTimeout(() => { sock.destroy(); resolve({ data, closed: false }); }, timeoutMs);
    sock.on("data", (d) => (data += d.toString("latin1")));
    sock.on("error", () => {});
    sock.on("close", () => { clearTimeout(timer); resolve({ data, closed: true }); });
    sock.write(bytes);
  });
}

describe("request smuggling", () => {
  counted += 2;
  const smuggled = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const statuses = (data) => [...data.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));

  it("Content-Length together with Transfer-Encoding: chunked: one 400, then close", async () => {
    const r = await rawExchange(server.port, Buffer.from(
      "POST /connect_sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled));
    assert.deepEqual(statuses(r.data), [400], r.data.slice(0, 600));
  });

  // Regression: HEAD (c427260) treated these as "no body" and served the smuggled request too.
  it("Transfer-Encoding whose final coding is not chunked (gzip): one 400, then close (RFC 9112 §6.3)", {
    timeout: 10_000,
  }, async () => {
    for (const te of ["gzip", "chunked, identity"]) {
      const r = await rawExchange(server.port, Buffer.from(
        `POST /connect_sessions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ${te}\r\nContent-Type: application/json\r\n\r\n` + smuggled));
      assert.deepEqual(statuses(r.data), [400], `Transfer-Encoding: ${te}: got ${JSON.stringify(statuses(r.data))}: ${r.data.slice(0, 600)}`);
    }
  });
});

describe("the catalogue", () => {
  it("has at least 60 malformed requests", () => {
    assert.ok(counted >= 60, `only ${counted} cases`);
  });
});

describe("shutdown", () => {
  it("the server exits cleanly after the whole catalogue (exit 0, no sanitizer report)", { timeout: 90_000 }, async () => {
    stopped = await stopGracefully(server);
    await assertCleanExit(stopped, server.logs(), server.child.pid);
  });
});
