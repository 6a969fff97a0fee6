// The demo page: sign in as a demo user, press Connect, link an account in connecthub's hub, and
// see the organization's linked accounts. Talks only to this backend; connect.js opens the hub.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  let me = null;
  let justLinked = null;

  async function api(method, path, body) {
    const res = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let data = null;
    try { data = JSON.parse(text); } catch { /* the seed's 500 answer is plain text */ }
    return { ok: res.ok, status: res.status, data, text };
  }

  const say = (text) => { $("status").textContent = text; };
  const el = (tag, props = {}, ...children) => {
    const e = Object.assign(document.createElement(tag), props);
    e.append(...children);
    return e;
  };

  function show(view) {
    $("loading").hidden = true;
    $("sign-in").hidden = view !== "sign-in";
    $("app").hidden = view !== "app";
    $("whoami").hidden = view !== "app";
  }

  async function showSignIn() {
    const users = (await api("GET", "/api/demo-users")).data || [];
    $("users").replaceChildren(...users.map((u, i) => {
      const id = `user-${i}`;
      const input = el("input", { type: "radio", name: "email", value: u.email, id, checked: i === 0 });
      return el("div", { className: "choice" }, input,
        el("label", { htmlFor: id }, `${u.name} (${u.email}), ${u.organization.name}`));
    }));
    show("sign-in");
  }

  async function showApp() {
    $("user-label").textContent = `${me.name} · ${me.organization.name}`;
    $("org-line").textContent =
      `Link the systems ${me.organization.name} uses. Accounts belong to your organization ` +
      `(${me.organization.id}), so everyone in it sees them.`;
    show("app");
    await Promise.all([loadConnectors(), loadAccounts()]);
  }

  async function loadConnectors() {
    const r = await api("GET", "/api/connectors");
    if (!r.ok) return say("Could not load the providers from connecthub.");
    const select = $("provider");
    select.replaceChildren(select.options[0],
      ...r.data.map((c) => el("option", { value: c.provider }, c.name)));
  }

  async function loadAccounts() {
    const r = await api("GET", "/api/accounts");
    if (!r.ok) return say("Could not load the linked accounts from connecthub.");
    $("empty").hidden = r.data.length > 0;
    $("accounts").replaceChildren(...r.data.map((a) => {
      const when = new Date(a.updated_at).toLocaleString();
      const li = el("li", { className: "account" });
      li.dataset.accountId = a.id;
      li.dataset.provider = a.provider;
      li.dataset.updatedAt = a.updated_at;
      if (a.id === justLinked) li.classList.add("new");
      if (a.logo_url) li.append(el("img", { src: a.logo_url, alt: "", width: 32, height: 32 }));
      const status = el("span", { className: `badge ${a.status}` }, a.status);
      li.append(
        el("div", { className: "grow" },
          el("strong", {}, a.provider_name), " ", status,
          el("div", { className: "muted" },
            `Linked by ${a.origin_username || "someone"} · updated ${when}`)),
        el("button", {
          type: "button", className: "secondary", textContent: "Disconnect",
          ariaLabel: `Disconnect ${a.provider_name}`,
          onclick: () => disconnect(a),
        }));
      return li;
    }));
  }

  async function disconnect(a) {
    const r = await api("DELETE", `/api/accounts/${encodeURIComponent(a.id)}`);
    say(r.ok ? `Disconnected ${a.provider_name}.` : "Could not disconnect the account.");
    await loadAccounts();
  }

  $("sign-in-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const email = new FormData(e.target).get("email");
    const r = await api("POST", "/api/login", { email });
    if (!r.ok) return;
    me = r.data;
    await showApp();
  });

  $("sign-out").addEventListener("click", async () => {
    await api("POST", "/api/logout", {});
    me = null;
    say("");
    await showSignIn();
  });

  $("connect-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!window.Connect) return say("connect.js did not load: is connecthub running?");
    const provider = $("provider").value || undefined;
    say("Starting…");
    // The seed's endpoint: only originUsername and provider; the backend adds the owner.
    const r = await api("POST", "/stackone_connect_sessions", { originUsername: me.email, provider });
    if (!r.ok || !r.data || !r.data.token) return say(`Could not start linking: ${r.text}`);
    say("");
    window.Connect.start({
      sessionToken: r.data.token,
      onSuccess: async (account) => {
        justLinked = account.id;
        const option = [...$("provider").options].find((o) => o.value === account.provider);
        say(`Linked your ${option ? option.textContent : account.provider} account.`);
        await loadAccounts();
      },
      onCancel: () => say("Linking cancelled."),
    });
  });

  api("GET", "/api/me").then(async (r) => {
    if (r.ok) {
      me = r.data;
      await showApp();
    } else {
      await showSignIn();
    }
  });
})();
