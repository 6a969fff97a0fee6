// The hosted hub page (/link): the end user picks an integration and enters its credentials.
// It talks only to the hub API on its own origin. The session token comes from the URL fragment
// (#token=..., never sent to a server) or, when embedded by connect.js, from the host page by
// postMessage; see protocol.ts.
import { ApiError, createClient } from "./api";
import type { AccountData, ConnectorConfig, Field, Integration, Linked, Settings } from "./api";
import { byId, h, icon } from "./dom";
import { MSG_CLOSE, MSG_INIT, MSG_READY, MSG_SUCCESS } from "./protocol";

const CATEGORIES: Record<string, string> = {
  hris: "HR (HRIS)",
  "hris-legacy": "HR (legacy)",
  ats: "Recruiting (ATS)",
  crm: "CRM",
  iam: "Identity and access (IAM)",
  lms: "Learning (LMS)",
  ticketing: "Ticketing",
  documents: "Documents",
  marketing: "Marketing",
  messaging: "Messaging",
  accounting: "Accounting",
  screening: "Background screening",
  stackone: "StackOne",
};
const ORDER = Object.keys(CATEGORIES);
const catName = (c: string) => CATEGORIES[c] || c;
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

const CHEVRON = "M9 5l7 7-7 7";
const SEARCH = "M11 18a7 7 0 1 1 0-14 7 7 0 0 1 0 14zM20 20l-4-4";
const CHECK = "M5 12.5l4.5 4.5L19 7";
const ALERT = "M12 7v6M12 17h.01";

// ---- options from the URL ----
const query = new URLSearchParams(location.search);
const fragment = new URLSearchParams(location.hash.slice(1));
const embedded = query.get("embed") === "1" && window.parent !== window;
const parentOrigin = embedded ? originOf(query.get("origin")) : null;
const allowBack = query.get("back") !== "0";
const allowClose = parentOrigin !== null && query.get("close") !== "0";

function originOf(s: string | null): string | null {
  if (!s) return null;
  try {
    const u = new URL(s);
    return (u.protocol === "https:" || u.protocol === "http:") && u.origin === s ? s : null;
  } catch {
    return null;
  }
}

function post(msg: object) {
  if (parentOrigin) window.parent.postMessage(msg, parentOrigin);
}

// ---- page chrome ----
const main = byId("main");
const titleEl = byId("title");
const view = byId("view");
const statusEl = byId("status");
const backBtn = byId<HTMLButtonElement>("back");
const closeBtn = byId<HTMLButtonElement>("close");

let api = createClient("");
let integrations: Integration[] = [];
const configs = new Map<string, Promise<ConnectorConfig>>();
let stack: (() => void)[] = [];
let gen = 0;
let loadingActive = false;
let done = false;

let statusTimer = 0;
function announce(text: string, delay = 0) {
  clearTimeout(statusTimer);
  statusTimer = window.setTimeout(() => (statusEl.textContent = text), delay);
}

function render(title: string, nodes: (Node | null)[], focus?: HTMLElement | null) {
  loadingActive = false;
  main.removeAttribute("aria-busy");
  titleEl.textContent = title;
  document.title = `${title} · Connect your account`;
  view.replaceChildren(...nodes.filter((n): n is Node => !!n));
  view.scrollTop = 0;
  updateBack();
  (focus || titleEl).focus({ preventScroll: true });
}

function updateBack() {
  backBtn.hidden = !(allowBack && !done && (stack.length > 1 || (loadingActive && stack.length > 0)));
}

function push(screen: () => void) {
  stack.push(screen);
  screen();
}

function reset(screen: () => void) {
  stack = [screen];
  screen();
}

function back() {
  if (loadingActive) {
    gen++;
    loadingActive = false;
    stack[stack.length - 1]?.();
  } else if (stack.length > 1) {
    stack.pop();
    stack[stack.length - 1]();
  }
}

function close() {
  post({ type: MSG_CLOSE });
}

/** Starts a load; the skeleton appears only if the answer takes a while, so fast answers don't flash. */
function loading(title: string): number {
  const g = ++gen;
  loadingActive = true;
  main.setAttribute("aria-busy", "true");
  updateBack();
  announce("Loading", 300);
  setTimeout(() => {
    if (g !== gen || !loadingActive) return;
    titleEl.textContent = title;
    view.replaceChildren(
      h("div", { class: "skeleton", "aria-hidden": "true" },
        h("div", { class: "sk sk-label" }), h("div", { class: "sk sk-input" }),
        h("div", { class: "sk sk-label" }), h("div", { class: "sk sk-input" })),
    );
  }, 150);
  return g;
}

function logoSrc(u: string | undefined): string {
  if (!u) return "";
  try {
    const url = new URL(u, location.href);
    // The CSP allows images from this origin only, and logos are served here.
    return url.origin === location.origin ? url.href : url.pathname;
  } catch {
    return "";
  }
}

function logo(u: string | undefined, size: number) {
  const img = h("img", { src: logoSrc(u) || null, alt: "", width: size, height: size, decoding: "async" });
  img.addEventListener("error", () => img.removeAttribute("src"));
  return img;
}

function safeLink(u: string | undefined): string | null {
  if (!u) return null;
  try {
    const url = new URL(u);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

// ---- result screens ----
function resultScreen(title: string, ok: boolean, heading: string, text: string[], actions: Node[]) {
  render(title, [
    h("div", { class: "result" },
      h("div", { class: ok ? "badge ok" : "badge bad" }, icon(ok ? CHECK : ALERT, 32, 2.6)),
      h("h2", null, heading),
      ...text.map((t) => h("p", { class: "muted" }, t)),
      actions.length ? h("div", { class: "actions" }, ...actions) : null),
  ]);
}

const closeAction = (label = "Close") =>
  allowClose ? [h("button", { type: "button", class: "btn primary", onclick: close }, label)] : [];

function expired(message: string) {
  done = true;
  stack = [];
  resultScreen("Link no longer valid", false, message || "This link can no longer be used.",
    ["For your security, each link works for a limited time and only once. Ask whoever sent it to you for a new one."],
    closeAction());
}

function incomplete() {
  done = true;
  resultScreen("Link incomplete", false, "This link is missing its access code.",
    ["Open the full link you were given, or ask whoever sent it to you for a new one."], closeAction());
}

function nothingToShow() {
  done = true;
  resultScreen("Nothing to connect", false, "This link offers no integrations right now.",
    ["Ask whoever sent it to you for a new link."], closeAction());
}

function notAllowedHere() {
  done = true;
  resultScreen("Can't open here", false, "This site is not allowed to show this page.",
    ["Open the link directly, or contact the company that sent it."], closeAction());
}

// The page is served before it knows its token, hence its project, so its first response allows any
// frame ancestor. A framed page whose project restricts who may frame it reloads with ?project=, whose
// response carries the project's frame-ancestors for the browser to enforce on every ancestor; an
// embedder whose verified origin (it posted the token) is not on the list is refused at once.
function framingAllowed(s: Settings): boolean {
  const list = s.allowed_origins || [];
  if (window.parent === window || !list.length || !s.project_id) return true;
  if (parentOrigin && !list.includes(parentOrigin)) {
    notAllowedHere();
    return false;
  }
  if (query.get("project") === s.project_id) return true;
  const u = new URL(location.href);
  u.searchParams.set("project", s.project_id);
  location.replace(u.href);
  return false;
}

function failed(e: unknown, retry: () => void) {
  if (e instanceof ApiError && e.status === 401) return expired(e.message);
  const msg = e instanceof ApiError ? e.message : "Something went wrong. Try again.";
  resultScreen("Something went wrong", false, msg, [],
    [h("button", { type: "button", class: "btn primary", onclick: retry }, "Try again"), ...closeAction()]);
}

function success(i: Integration, account: Linked, updated: boolean) {
  done = true;
  stack = [];
  post({ type: MSG_SUCCESS, account: { id: account.id, provider: account.provider } });
  resultScreen(updated ? "Account updated" : "Account connected", true,
    updated ? `Your ${i.name} connection is updated` : `Your ${i.name} account is connected`,
    [allowClose ? "You're all set." : "You're all set. You can close this page now."], closeAction("Done"));
}

// ---- flow ----
async function start() {
  const g = loading("Connect your account");
  done = false;
  try {
    const settings = (await api<Settings>("GET", "hub/settings")).data;
    if (!framingAllowed(settings)) return;
    if (settings.existing_account_id) return await openEdit(settings.existing_account_id);
    const path = settings.provider ? `hub/connectors?provider=${encodeURIComponent(settings.provider)}` : "hub/connectors";
    const list = (await api<{ integrations: Integration[] }>("GET", path)).data.integrations || [];
    if (g !== gen) return;
    integrations = list.filter((i) => i.active !== false && i.name);
    const chosen = settings.provider ? integrations.find((i) => i.provider === settings.provider) : integrations.length === 1 ? integrations[0] : undefined;
    if (chosen) return await pickIntegration(chosen, true);
    if (!integrations.length || settings.provider) return nothingToShow();
    const cats = (settings.categories || []).filter((c) => integrations.some((i) => i.type === c));
    reset(cats.length > 1 ? () => categoryScreen(cats) : () => listScreen(null));
  } catch (e) {
    failed(e, start);
  }
}

function getConfig(integrationId: string): Promise<ConnectorConfig> {
  let p = configs.get(integrationId);
  if (!p) {
    p = api<{ config: ConnectorConfig }>("GET", `hub/connectors/${encodeURIComponent(integrationId)}`).then((r) => r.data.config);
    p.catch(() => configs.delete(integrationId));
    configs.set(integrationId, p);
  }
  return p;
}

async function openEdit(accountId: string) {
  const g = loading("Update your connection");
  const account = (await api<AccountData>("GET", `hub/accounts/${encodeURIComponent(accountId)}`)).data;
  const list = (await api<{ integrations: Integration[] }>("GET", `hub/connectors?provider=${encodeURIComponent(account.provider)}`)).data.integrations || [];
  if (g !== gen) return;
  const i = list.find((x) => x.integration_id === account.integrationId) || list.find((x) => x.provider === account.provider);
  if (!i) return nothingToShow();
  await openForm(i, { id: accountId, data: account }, true);
}

// Once a provider is picked in a categories/all session, the upsert rules may make this an edit of an
// existing account: ask the server (it decides), and open the edit page if so.
async function pickIntegration(i: Integration, root: boolean) {
  try {
    const s = (await api<Settings>("GET", `hub/settings?provider=${encodeURIComponent(i.provider)}`)).data;
    if (s.existing_account_id) {
      const data = (await api<AccountData>("GET", `hub/accounts/${encodeURIComponent(s.existing_account_id)}`)).data;
      return await openForm(i, { id: s.existing_account_id, data }, root);
    }
  } catch (e) {
    if (root) return failed(e, start);
    return push(() => failed(e, () => (stack.pop(), pickIntegration(i, root))));
  }
  await openForm(i, null, root);
}

async function openForm(i: Integration, account: { id: string; data: AccountData } | null, root: boolean) {
  const g = loading(account ? `Update ${i.name}` : `Connect ${i.name}`);
  try {
    const cfg = await getConfig(i.integration_id);
    if (g !== gen) return;
    const screen = () => formScreen(i, cfg, account);
    if (root) reset(screen);
    else push(screen);
  } catch (e) {
    if (g !== gen) return;
    if (root) failed(e, start);
    // On the way from a list: the failure is a step of its own, so Back returns to the list.
    else push(() => failed(e, () => (stack.pop(), openForm(i, account, root))));
  }
}

function categoryScreen(cats: string[]) {
  const items = cats.map((c) => {
    const n = integrations.filter((i) => i.type === c).length;
    return h("li", null,
      h("button", { type: "button", class: "tile", "data-category": c, onclick: () => push(() => listScreen(c)) },
        h("span", { class: "name" }, catName(c), h("span", { class: "sub" }, plural(n, "integration"))),
        icon(CHEVRON)));
  });
  render("Choose a category", [
    h("p", { class: "intro muted" }, "What kind of tool do you want to connect?"),
    h("ul", { class: "list", "aria-label": "Categories" }, ...items),
  ]);
}

const searchText = new Map<string, string>();
let lastPicked = "";

function listScreen(cat: string | null) {
  const items = integrations.filter((i) => !cat || i.type === cat).sort((a, b) => a.name.localeCompare(b.name));
  const types = [...new Set(items.map((i) => i.type))].sort((a, b) => {
    const x = ORDER.indexOf(a), y = ORDER.indexOf(b);
    return (x < 0 ? 99 : x) - (y < 0 ? 99 : y) || a.localeCompare(b);
  });
  const norm = (s: string) => s.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  const rows: { li: HTMLLIElement; text: string; group: HTMLElement; btn: HTMLButtonElement }[] = [];
  const groups = types.map((t, n) => {
    const ul = h("ul", { class: "list" });
    // One group needs no heading (the title or the list says what it is).
    const section = types.length > 1
      ? h("section", { class: "group", "aria-labelledby": `g${n}` }, h("h2", { id: `g${n}` }, catName(t)), ul)
      : h("div", { class: "group" }, ul);
    for (const i of items.filter((x) => x.type === t)) {
      const btn = h("button", { type: "button", class: "tile", "data-provider": i.provider, onclick: () => {
        lastPicked = i.provider;
        pickIntegration(i, false);
      } }, logo(i.logo_url, 32), h("span", { class: "name" }, i.name));
      const li = h("li", null, btn);
      ul.append(li);
      rows.push({ li, btn, group: section, text: norm(`${i.name} ${i.provider} ${catName(t)}`) });
    }
    return section;
  });
  const key = cat || "";
  const input = h("input", { type: "search", id: "search", placeholder: "Search", autocomplete: "off", spellcheck: "false", "aria-controls": "results" });
  input.value = searchText.get(key) || "";
  const empty = h("p", { class: "empty", hidden: true });
  const filter = (speak: boolean) => {
    const q = norm(input.value.trim());
    searchText.set(key, input.value);
    let shown = 0;
    for (const r of rows) {
      r.li.hidden = !!q && !r.text.includes(q);
      if (!r.li.hidden) shown++;
    }
    for (const g of groups) g.hidden = !rows.some((r) => r.group === g && !r.li.hidden);
    empty.hidden = shown > 0;
    empty.textContent = shown ? "" : `No integrations match “${input.value.trim()}”.`;
    if (speak) announce(shown ? `${plural(shown, "integration")} shown` : "No integrations match", 500);
  };
  input.addEventListener("input", () => filter(true));
  filter(false);
  render(cat ? catName(cat) : "Choose an integration", [
    h("div", { class: "search", role: "search" },
      h("label", { for: "search", class: "sr-only" }, cat ? `Search ${catName(cat)} integrations` : "Search integrations"),
      icon(SEARCH, 18),
      input),
    h("div", { id: "results" }, ...groups, empty),
  ], rows.find((r) => r.btn.dataset.provider === lastPicked && !r.li.hidden)?.btn);
}

// ---- the credentials form ----
interface Control {
  f: Field;
  input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  err: HTMLElement;
  hint: string | null;
  touched: boolean;
  required: boolean;
}

function compile(pattern: string): RegExp | null {
  for (const flags of ["u", ""]) {
    try {
      return new RegExp(`^(?:${pattern})$`, flags);
    } catch {
      /* try the next flavour */
    }
  }
  return null;
}

function check(c: Control): string {
  const { f } = c;
  const v = c.input.value;
  if (!v.trim()) return c.required ? `Enter ${f.label}.` : "";
  if (f.type === "select" && f.options && !f.options.some((o) => o.value === v)) return `Choose one of the options for ${f.label}.`;
  if (f.type === "number" && !Number.isFinite(Number(v.trim()))) return `${f.label} must be a number.`;
  const re = f.validation?.pattern ? compile(f.validation.pattern) : null;
  const value = f.secret ? v : v.trim();
  if (re && !re.test(value)) return f.validation?.error || `${f.label} is not in the expected format.`;
  return "";
}

function setError(c: Control, msg: string) {
  c.err.textContent = msg;
  c.err.hidden = !msg;
  if (msg) c.input.setAttribute("aria-invalid", "true");
  else c.input.removeAttribute("aria-invalid");
  const ids = [c.hint, msg ? c.err.id : null].filter(Boolean).join(" ");
  if (ids) c.input.setAttribute("aria-describedby", ids);
  else c.input.removeAttribute("aria-describedby");
}

function providerSaid(raw: string): string {
  let text = raw;
  try {
    const j = JSON.parse(raw);
    const pick = (o: any): string | undefined => {
      if (typeof o === "string") return o;
      if (!o || typeof o !== "object") return undefined;
      for (const k of ["message", "error_description", "error", "detail", "title", "errors"]) {
        const v = Array.isArray(o[k]) ? o[k][0] : o[k];
        const s = pick(v);
        if (s) return s;
      }
      return undefined;
    };
    text = pick(j) || raw;
  } catch {
    /* plain text */
  }
  text = text.replace(/\s+/g, " ").trim();
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function formScreen(i: Integration, cfg: ConnectorConfig, account: { id: string; data: AccountData } | null) {
  const edit = !!account;
  const fields = cfg.configFields || [];
  const controls: Control[] = [];
  const alertBox = h("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true });

  const fieldEls = fields.map((f, n) => {
    const id = `f${n}`;
    const keep = edit && !!f.secret;
    const required = !!f.required && !keep;
    const hintText = [f.description, keep ? "Leave blank to keep the current value." : ""].filter(Boolean).join(" ");
    const hintId = hintText ? `${id}-hint` : null;
    const initial = f.secret ? "" : (edit ? account!.data.setupInformation?.[f.key] : undefined) ?? f.value ?? "";
    const attrs = { id, name: f.key, required, readonly: !!f.readOnly, "aria-describedby": hintId };
    let input: Control["input"];
    if (f.type === "select") {
      const opts = f.options || [];
      const sel = h("select", attrs,
        !required || !opts.some((o) => o.value === initial) ? h("option", { value: "" }, required ? "Choose…" : "None") : null,
        ...opts.map((o) => h("option", { value: o.value }, o.label)));
      sel.value = initial;
      input = sel;
    } else if (f.type === "text_area") {
      input = h("textarea", { ...attrs, rows: 5, spellcheck: "false", autocapitalize: "none", class: f.secret ? "masked" : null,
        placeholder: keep ? "Unchanged" : f.placeholder || null });
      input.value = initial;
    } else {
      input = h("input", { ...attrs, type: f.secret ? "password" : "text", inputmode: f.type === "number" ? "decimal" : null,
        autocomplete: f.secret ? "new-password" : "off", spellcheck: "false", autocapitalize: "none",
        placeholder: keep ? "•••••••• (unchanged)" : f.placeholder || null });
      input.value = initial;
    }
    const err = h("p", { class: "error", id: `${id}-err`, hidden: true });
    const c: Control = { f, input, err, hint: hintId, touched: false, required };
    controls.push(c);
    input.addEventListener("blur", () => {
      if (input.value) c.touched = true;
      if (c.touched) setError(c, check(c));
    });
    input.addEventListener(f.type === "select" ? "change" : "input", () => {
      if (c.touched || !c.err.hidden) setError(c, check(c));
    });
    let reveal: HTMLButtonElement | null = null;
    if (f.secret) {
      const word = h("span", null, "Show");
      reveal = h("button", { type: "button", class: "reveal", "aria-controls": id }, word, h("span", { class: "sr-only" }, ` ${f.label}`));
      reveal.addEventListener("click", () => {
        const hidden = input instanceof HTMLTextAreaElement ? input.classList.toggle("masked") : (input as HTMLInputElement).type === "text";
        if (input instanceof HTMLInputElement) input.type = hidden ? "password" : "text";
        word.textContent = hidden ? "Show" : "Hide";
      });
    }
    return h("div", { class: "field" },
      // A secret being kept is not "optional": leaving it blank keeps the stored value (see the hint).
      h("label", { for: id }, f.label, !f.required && !keep ? h("span", { class: "opt" }, " (optional)") : null),
      hintId ? h("p", { class: "hint", id: hintId }, hintText) : null,
      h("div", { class: "control" }, input, reveal),
      err);
  });

  const verb = edit ? "Save changes" : "Connect";
  const submitBtn = h("button", { type: "submit", class: "btn primary" }, verb);
  let sending = false;

  const showAlert = (e: ApiError) => {
    alertBox.replaceChildren(h("p", { class: "alert-title" }, e.message));
    if (e.providerResponse) alertBox.append(h("p", { class: "said" }, `${i.name} said: `, h("q", null, providerSaid(e.providerResponse))));
    alertBox.hidden = false;
    alertBox.focus({ preventScroll: true });
    alertBox.scrollIntoView({ block: "nearest" });
  };

  const submit = async (ev: Event) => {
    ev.preventDefault();
    if (sending) return;
    let first: Control | null = null;
    for (const c of controls) {
      c.touched = true;
      const m = check(c);
      setError(c, m);
      if (m && !first) first = c;
    }
    if (first) {
      alertBox.hidden = true;
      first.input.focus();
      return;
    }
    const credentials: Record<string, string> = {};
    for (const c of controls) {
      const v = c.f.secret ? c.input.value : c.input.value.trim();
      if (v.trim()) credentials[c.f.key] = v;
    }
    sending = true;
    submitBtn.setAttribute("aria-disabled", "true");
    submitBtn.textContent = edit ? "Saving…" : "Connecting…";
    announce(edit ? "Saving" : `Checking your details with ${i.name}`);
    try {
      const body = { integration_id: i.integration_id, credentials };
      const r = edit
        ? await api<Linked>("PATCH", `hub/accounts/${encodeURIComponent(account!.id)}`, body)
        : await api<Linked>("POST", "hub/accounts", body);
      success(i, { id: r.data.id || account?.id || "", provider: r.data.provider || i.provider }, edit || r.status === 200);
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(0, "Something went wrong. Try again.");
      if (err.status === 401) return expired(err.message);
      // A message about one field (e.g. "API key is required") goes next to that field.
      const c = err.status === 400 && !err.providerResponse ? controls.find((x) => err.message.startsWith(`${x.f.label} `)) : undefined;
      if (c) {
        alertBox.hidden = true;
        setError(c, err.message);
        c.input.focus();
      } else {
        showAlert(err);
      }
      announce("");
    } finally {
      sending = false;
      submitBtn.removeAttribute("aria-disabled");
      submitBtn.textContent = verb;
    }
  };

  const support = cfg.support || {};
  const link = safeLink(support.link);
  render(edit ? `Update ${i.name}` : `Connect ${i.name}`, [
    h("div", { class: "provider" },
      logo(i.logo_url || cfg.assets?.icon, 40),
      h("div", null, h("p", { class: "pname" }, i.name), h("p", { class: "muted small" }, catName(i.type)))),
    edit ? h("p", { class: "intro" }, "Update the details of this connection.") : null,
    support.description ? h("p", { class: "intro muted" }, support.description) : null,
    link ? h("p", { class: "help" }, h("a", { href: link, target: "_blank", rel: "noopener noreferrer" },
      `Where to find these details`, h("span", { class: "sr-only" }, " (opens in a new tab)"))) : h("div", { class: "help" }),
    alertBox,
    h("form", { novalidate: true, onsubmit: submit, "aria-label": `${i.name} credentials` },
      ...fieldEls,
      h("div", { class: "actions" }, submitBtn)),
  ]);
}

// ---- start-up ----
backBtn.addEventListener("click", back);
closeBtn.hidden = !allowClose;
closeBtn.addEventListener("click", close);
// Another link opened in this tab differs only in its fragment, which does not reload the page.
window.addEventListener("hashchange", () => location.reload());
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && allowClose && !e.defaultPrevented) close();
});

function begin(token: string) {
  api = createClient(token);
  start();
}

const fromFragment = fragment.get("token");
if (fromFragment) {
  begin(fromFragment);
} else if (parentOrigin) {
  let started = false;
  window.addEventListener("message", (e: MessageEvent) => {
    if (started || e.source !== window.parent || e.origin !== parentOrigin) return;
    const d = e.data;
    if (d && d.type === MSG_INIT && typeof d.token === "string" && d.token) {
      started = true;
      begin(d.token);
    }
  });
  post({ type: MSG_READY });
  setTimeout(() => started || incomplete(), 15_000);
} else {
  incomplete();
}
