// Edit mode decided by the server in every kind of session: after a pick in a categories/all session
// (`GET /hub/settings?provider=`), and the credential form @stackone/hub prefills with placeholders.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, createProject, enable, expectJson } from "./lib/harness.mjs";
import { hubCall, createSession, linkAccount, demoCreds, rand } from "./lib/hub.mjs";

let server, project, demo, bamboo;

before(async () => {
  server = await startServer();
  project = await createProject(server, "EditMode");
  demo = (await enable(server, project.project_id, "demohris")).integration_id;
  bamboo = (await enable(server, project.project_id, "bamboohr")).integration_id;
});
after(async () => server?.stop());

test("settings?provider= reports the account the rules will update after a pick", async () => {
  const owner = `pick-${rand()}`;
  const id = await linkAccount(server, project.api_key, { origin_owner_id: owner, origin_owner_name: "Acme", provider: "demohris" }, demo, demoCreds());
  for (const body of [{ categories: ["hris"] }, {}]) {
    const s = await createSession(server, project.api_key, { origin_owner_id: owner, origin_owner_name: "Acme", ...body });
    const plain = expectJson(await hubCall(server, s.token, "GET", "/hub/settings"), 200);
    assert.equal(plain.existing_account_id, undefined, "nothing is known before the pick");
    const picked = expectJson(await hubCall(server, s.token, "GET", "/hub/settings?provider=demohris"), 200);
    assert.equal(picked.existing_account_id, id);
    const other = expectJson(await hubCall(server, s.token, "GET", "/hub/settings?provider=bamboohr"), 200);
    assert.equal(other.existing_account_id, undefined, "no account for that provider yet");
    // The account the pick points at is readable by this session, and completing updates it.
    expectJson(await hubCall(server, s.token, "GET", `/hub/accounts/${id}`), 200);
  }
  const multi = await createSession(server, project.api_key, { origin_owner_id: owner, origin_owner_name: "Acme", multiple: true });
  const m = expectJson(await hubCall(server, multi.token, "GET", "/hub/settings?provider=demohris"), 200);
  assert.equal(m.existing_account_id, undefined, "multiple=true always creates");
});

test("in edit mode, secret fields accept the placeholder so @stackone/hub can save without retyping", async () => {
  const owner = `ph-${rand()}`;
  const creds = demoCreds();
  const id = await linkAccount(server, project.api_key, { origin_owner_id: owner, origin_owner_name: "Acme", provider: "demohris" }, demo, creds);
  const fresh = await createSession(server, project.api_key, { origin_owner_id: `new-${rand()}`, origin_owner_name: "Acme", provider: "demohris" });
  const createForm = expectJson(await hubCall(server, fresh.token, "GET", `/hub/connectors/${demo}`), 200).config.configFields;
  const apiKeyCreate = createForm.find((f) => f.key === "api_key");
  assert.equal(apiKeyCreate.required, true);
  assert.ok(!new RegExp(apiKeyCreate.validation.pattern).test("********"));

  const edit = await createSession(server, project.api_key, { origin_owner_id: owner, origin_owner_name: "Acme", account_id: id });
  const form = expectJson(await hubCall(server, edit.token, "GET", `/hub/connectors/${demo}`), 200).config.configFields;
  const apiKey = form.find((f) => f.key === "api_key");
  assert.equal(apiKey.required, false);
  const re = new RegExp(apiKey.validation.pattern);
  assert.ok(re.test("********") && re.test("abcdefgh12") && !re.test("short"), apiKey.validation.pattern);
  const account = expectJson(await hubCall(server, edit.token, "GET", `/hub/accounts/${id}`), 200);
  assert.equal(account.secrets.api_key, "********");
  // What @stackone/hub sends when the user only changes the company: the placeholder comes back.
  const res = await hubCall(server, edit.token, "PATCH", `/hub/accounts/${id}`,
    { integration_id: demo, credentials: { company: "renamed-co", api_key: "********" } });
  expectJson(res, 200);
  const check = await createSession(server, project.api_key, { origin_owner_id: owner, origin_owner_name: "Acme", account_id: id });
  const after = expectJson(await hubCall(server, check.token, "GET", `/hub/accounts/${id}`), 200);
  assert.equal(after.setupInformation.company, "renamed-co");
  assert.equal(after.secrets.api_key, "********", "the stored secret was kept, not replaced by the placeholder");
});
