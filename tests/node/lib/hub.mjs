// Helpers for suites that drive the hub API the way @stackone/hub@1.11.4 does (notes §8.2),
// on top of lib/harness.mjs.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { http, expectJson } from "./harness.mjs";

/** The version header @stackone/hub@1.11.4 sends on every request. */
export const HUB_VERSION = "1.11.4";

/** The headers @stackone/hub@1.11.4 sends on every request (GETs included). */
export function hubHeaders(token) {
  const h = { "content-type": "application/json", "x-hub-version": HUB_VERSION };
  if (token !== undefined && token !== null) h["x-hub-session-token"] = token;
  return h;
}

/** A hub API call with the hub's headers; body (object) is sent as JSON. Same result as http(). */
export function hubCall(server, token, method, path, body, { headers = {}, ...opts } = {}) {
  return http(server, method, path, { headers: { ...hubHeaders(token), ...headers }, body, ...opts });
}

/** POST /connect_sessions with the API key; asserts 201 and returns the session (with token). */
export async function createSession(server, apiKey, body) {
  const res = await http(server, "POST", "/connect_sessions", { auth: apiKey, body });
  return expectJson(res, 201);
}

/** A short random lowercase-hex string (n bytes → 2n chars). */
export function rand(n = 6) {
  return randomBytes(n).toString("hex");
}

/**
 * Distinctive credentials for the `demohris` catalog provider (fields company, api_key; no provider
 * check). Each call gives values that occur nowhere else, so they can be searched for in files/logs.
 */
export function demoCreds() {
  return { company: `co-${rand(8)}`, api_key: `demoSecret_${rand(12)}` };
}

/**
 * Links an account like the hub's "new account" flow: creates a session (sessionBody), then
 * POST /hub/accounts {integration_id, credentials}. Returns {session, res} (res unchecked).
 */
export async function completeSession(server, apiKey, sessionBody, integrationId, credentials) {
  const session = await createSession(server, apiKey, sessionBody);
  const res = await hubCall(server, session.token, "POST", "/hub/accounts", {
    integration_id: integrationId,
    credentials,
  });
  return { session, res };
}

/** completeSession and insist on 201 (created); returns the account id. */
export async function linkAccount(server, apiKey, sessionBody, integrationId, credentials) {
  const { res } = await completeSession(server, apiKey, sessionBody, integrationId, credentials);
  const j = expectJson(res, 201);
  assert.equal(typeof j.id, "string", `POST /hub/accounts id: ${res.text}`);
  return j.id;
}
