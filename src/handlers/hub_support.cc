#include "handlers/hub_support.h"

#include <boost/json.hpp>

#include "core/connect_session.h"
#include "core/credentials.h"
#include "core/upsert.h"
#include "providers/verify.h"

namespace connecthub {
namespace bj = boost::json;

namespace {

// Whether a session restricted to `only` (its provider, or its account's) or else to its categories
// shows provider `p`.
bool SessionShows(const ConnectSession& s, const std::optional<std::string>& only, const ProviderDef& p) {
  if (only) return p.key == *only;
  if (s.categories.empty()) return true;
  return std::find(s.categories.begin(), s.categories.end(), p.category) != s.categories.end();
}

}  // namespace

Result<std::map<std::string, Integration>> AllowedIntegrations(const AppContext& ctx, const ConnectSession& s) {
  CH_TRY(auto enabled, ctx.EnabledIntegrations(s.project_id));
  std::optional<std::string> only = s.provider;
  if (s.account_id) {
    auto a = ctx.store.FindAccount(s.project_id, *s.account_id);
    if (!a.ok()) {
      if (a.code() == ErrorCode::kNotFound) return std::map<std::string, Integration>{};
      return std::move(a).error();
    }
    only = a->provider;
  }
  std::map<std::string, Integration> out;
  for (auto& [provider, integration] : enabled) {
    if (!SessionShows(s, only, *ctx.catalog->Find(provider))) continue;
    out.emplace(provider, std::move(integration));
  }
  return out;
}

Result<AllowedIntegration> FindAllowedIntegration(const AppContext& ctx, const ConnectSession& s,
                                                  std::string_view integration_id) {
  CH_TRY(auto allowed, AllowedIntegrations(ctx, s));
  for (auto& [provider, integration] : allowed) {
    if (integration.id == integration_id) return AllowedIntegration{ctx.catalog->Find(provider), std::move(integration)};
  }
  return NotFound("This integration is not available for this link");
}

Result<std::optional<std::string>> HubEditTarget(const AppContext& ctx, const ConnectSession& s,
                                                 const std::optional<std::string>& picked) {
  if (s.account_id) {
    // An account deleted since the session was made has nothing to edit.
    auto a = ctx.store.FindAccount(s.project_id, *s.account_id);
    if (!a.ok()) {
      if (a.code() == ErrorCode::kNotFound) return std::optional<std::string>();
      return std::move(a).error();
    }
    return std::optional<std::string>(a->id);
  }
  std::optional<std::string> provider = s.provider;
  if (!provider && picked) {
    CH_TRY(auto allowed, AllowedIntegrations(ctx, s));
    if (!allowed.count(*picked)) return std::optional<std::string>();
    provider = picked;
  }
  if (!provider) return std::optional<std::string>();
  CH_TRY(auto existing, ctx.store.FindAccountsByKey(s.project_id, s.origin_owner_id, s.origin_owner_name, *provider));
  // Decide as if the session named the provider: the same rule the completion will apply.
  ConnectSession as_if = s;
  as_if.provider = provider;
  return EditTarget(as_if, existing);
}

Result<Account> HubEditableAccount(const AppContext& ctx, const ConnectSession& s, std::string_view id) {
  const Error denied = PermissionDenied("This link cannot open that account.");
  auto a = ctx.store.FindAccount(s.project_id, id);
  if (!a.ok()) {
    if (a.code() == ErrorCode::kNotFound) return denied;
    return std::move(a).error();
  }
  // The account's integration must still be enabled, as for completing.
  CH_TRY(auto allowed, AllowedIntegrations(ctx, s));
  if (!allowed.count(a->provider)) return denied;
  if (s.account_id) {
    if (*s.account_id != a->id) return denied;
    return a;
  }
  if (s.multiple || a->origin_owner_id != s.origin_owner_id || a->origin_owner_name != s.origin_owner_name) return denied;
  if (s.provider && *s.provider != a->provider) return denied;
  // Only the account the upsert rules would update for this key (the oldest) may be edited.
  CH_TRY(auto existing, ctx.store.FindAccountsByKey(s.project_id, s.origin_owner_id, s.origin_owner_name, a->provider));
  CH_TRY(UpsertDecision d, DecideUpsert(s, a->provider, existing, nullptr));
  if (d.action != UpsertAction::kUpdate || d.account_id != a->id) return denied;
  return a;
}

namespace {

// Asks the provider whether the credentials work. Rejections become 422 with what the provider said
// (truncated; it is the provider's own error text, which helps the end user fix a typo).
Status CheckWithProvider(const AppContext& ctx, const AllowedIntegration& target, const Credentials& creds) {
  const ProviderDef& p = *target.provider;
  if (!p.verify) return OkStatus();
  std::optional<std::string> base;
  if (auto it = target.integration.settings.find("base_url"); it != target.integration.settings.end()) base = it->second;
  http::OutboundRequest req = BuildVerifyRequest(*p.verify, creds, base);
  req.timeout_ms = ctx.settings.verify_timeout_ms;
  req.public_only = !ctx.settings.verify_allow_private;
  auto res = ctx.outbound.Send(req);
  if (!res.ok()) {
    if (res.code() == ErrorCode::kInvalidArgument) {
      return MakeError(ErrorCode::kUnprocessable, "These details point " + p.name + " at an address we cannot use: " + res.error().message);
    }
    return Unavailable("We could not reach " + p.name + " to check these details (" + res.error().message + "). Try again.");
  }
  if (VerifyAccepted(*p.verify, res->status)) return OkStatus();
  Error e = MakeError(ErrorCode::kUnprocessable,
                      res->status == 401 || res->status == 403
                          ? p.name + " rejected these credentials. Check them and try again."
                          : p.name + " did not accept these details (HTTP " + std::to_string(res->status) + ").");
  std::string body = res->body.substr(0, 1024);
  // The provider's answer is shown to the end user: keep only printable text.
  for (auto& c : body)
    if (static_cast<unsigned char>(c) < 0x20 && c != '\n') c = ' ';
  e.extra["provider_response"] = body.empty() ? "HTTP " + std::to_string(res->status) : body;
  return e;
}

void WipeAll(Credentials& creds) {
  for (auto& [k, v] : creds) crypto::Wipe(v);
}

Result<Credentials> StoredCredentials(const AppContext& ctx, const Account& a) {
  CH_TRY(std::string plain, ctx.DecryptCredentials(a));
  auto creds = CredentialsFromJson(plain);
  crypto::Wipe(plain);
  return creds;
}

// What the user submitted, merged with what `current` (the account the completion updates, if any)
// has stored for the fields left out, and validated against the provider's fields.
Result<Credentials> SubmittedCredentials(const AppContext& ctx, const ProviderDef& p, const bj::object& submitted,
                                         const Account* current) {
  std::optional<Credentials> stored;
  if (current) {
    CH_TRY(Credentials c, StoredCredentials(ctx, *current));
    stored = std::move(c);
  }
  auto validated = ValidateCredentials(p, submitted, stored ? &*stored : nullptr);
  if (stored) WipeAll(*stored);
  return validated;
}

const Account* FindById(const CompletionContext& c, const std::string& id) {
  if (c.session_account && c.session_account->id == id) return c.session_account;
  for (const auto& a : c.existing_for_key)
    if (a.id == id) return &a;
  return nullptr;
}

// The row a completion writes, once the rules have decided (`d`): a new account, or the one to update
// with its credentials replaced by `plaintext` (already merged with the stored ones and validated).
Result<AccountWrite> AccountWriteFor(const AppContext& ctx, const CompletionContext& c, const UpsertDecision& d,
                                     const AllowedIntegration& target, const std::string& plaintext, TimeMs now) {
  AccountWrite w;
  if (d.action == UpsertAction::kCreate) {
    w.create = true;
    Account& a = w.account;
    a.id = crypto::RandomId("acc_");
    a.project_id = c.session.project_id;
    a.provider = target.provider->key;
    a.origin_owner_id = c.session.origin_owner_id;
    a.origin_owner_name = c.session.origin_owner_name;
    a.multiple = c.session.multiple;
    a.created_at = now;
  } else {
    const Account* current = FindById(c, d.account_id);
    if (!current) return Conflict("The account changed while you were editing it. Open the link again.");
    // When a concurrent completion for the same key created this account after we looked, what the
    // user typed was validated as a complete credential set, so it can replace the stored one.
    w.account = *current;
    if (w.account.status != AccountStatus::kActive) {
      w.account.status_reasons.push_back({"relinked", "Credentials updated and the account re-linked through the hub", now});
    }
  }
  Account& a = w.account;
  a.integration_id = target.integration.id;
  a.status = AccountStatus::kActive;
  if (c.session.origin_username) a.origin_username = c.session.origin_username;
  if (c.session.label) a.label = c.session.label;
  if (c.session.metadata_json) a.metadata_json = c.session.metadata_json;
  a.type = c.session.type;
  a.updated_at = now;
  a.credentials_ciphertext = ctx.EncryptCredentials(a, plaintext);
  return w;
}

}  // namespace

Result<Completion> CompleteHubSession(const AppContext& ctx, const ConnectSession& s, const AllowedIntegration& target,
                                      const bj::object& submitted, std::optional<std::string> expect_account) {
  const ProviderDef& p = *target.provider;
  // Decide once outside the transaction, to merge with stored values and check with the provider
  // before anything is written (the network call must not hold the write lock).
  std::vector<Account> existing;
  std::optional<Account> session_account;
  if (s.account_id) {
    auto a = ctx.store.FindAccount(s.project_id, *s.account_id);
    if (a.ok()) session_account = std::move(a).value();
    else if (a.code() != ErrorCode::kNotFound) return std::move(a).error();
  } else {
    CH_TRY(existing, ctx.store.FindAccountsByKey(s.project_id, s.origin_owner_id, s.origin_owner_name, p.key));
  }
  CH_TRY(UpsertDecision pre, DecideUpsert(s, p.key, existing, session_account ? &*session_account : nullptr));
  if (expect_account && (pre.action != UpsertAction::kUpdate || pre.account_id != *expect_account)) {
    return PermissionDenied("This link cannot edit that account.");
  }
  const Account* current = nullptr;
  if (pre.action == UpsertAction::kUpdate) {
    if (session_account) current = &*session_account;
    for (const auto& e : existing)
      if (e.id == pre.account_id) current = &e;
  }
  CH_TRY(Credentials creds, SubmittedCredentials(ctx, p, submitted, current));
  if (Status checked = CheckWithProvider(ctx, target, creds); !checked.ok()) {
    WipeAll(creds);
    return std::move(checked).error();
  }
  std::string plaintext = CredentialsToJson(creds);
  WipeAll(creds);

  const TimeMs now = ctx.Now();
  auto decide = [&](const CompletionContext& c) -> Result<AccountWrite> {
    CH_TRY(UpsertDecision d, DecideUpsert(c.session, p.key, c.existing_for_key, c.session_account));
    if (expect_account && (d.action != UpsertAction::kUpdate || d.account_id != *expect_account)) {
      return Conflict("The account changed while you were editing it. Open the link again.");
    }
    return AccountWriteFor(ctx, c, d, target, plaintext, now);
  };
  auto event = [&](const Account& a, bool created) {
    return ctx.MakeEvent(created ? "account.created" : "account.updated", a);
  };
  auto result = ctx.store.CompleteSession(s.id, p.key, now, decide, event);
  crypto::Wipe(plaintext);
  return result;
}

bool CompleteHubSessionAsync(const AppContext& ctx, std::string_view token, std::string integration_id,
                             bj::object submitted, FastCompletionDone done) {
  // An integration known to need the provider's check request goes to the ordinary handler at once.
  if (ctx.integration_providers) {
    if (auto provider = ctx.integration_providers->Get(integration_id, ctx.Now())) {
      const ProviderDef* p = ctx.catalog->Find(*provider);
      if (p && p->verify) {
        ctx.Count("connecthub_hot_path_passed_on_total", "route=\"/hub/accounts\",stage=\"io\"");
        return false;
      }
    }
  }
  // Everything below but the last call runs on the store's writer thread, one step after another.
  struct State {
    std::string hash;
    bj::object submitted;
    AllowedIntegration target;
    bool passed_on = false;
  };
  auto st = std::make_shared<State>();
  st->hash = crypto::SessionTokenKey(token);
  st->submitted = std::move(submitted);
  const TimeMs now = ctx.Now();

  // The checks of AuthenticateHubToken and FindAllowedIntegration, in the same order, on the rows the
  // write just read.
  auto resolve = [&ctx, st, now](const ConnectSession* s, const Integration* i) -> Result<std::string> {
    if (!s || !crypto::ConstantTimeEquals(s->token_hash, st->hash)) {
      CH_TRY_STATUS(ctx.CheckRate(ctx.hub_token_limit, st->hash, "hub_token"));
      return Unauthenticated("This link is not valid.");
    }
    const ProviderDef* p = i && i->enabled ? ctx.catalog->Find(i->provider) : nullptr;
    // Remembered only where it changes what happens next time (the I/O thread hands these on at once);
    // every other completion would pay a locked map write for nothing.
    if (p && p->verify && ctx.integration_providers) ctx.integration_providers->Put(i->id, i->provider, now);
    // Passed on to the ordinary handler, before anything is charged: an edit session's integrations
    // depend on its account, and a provider's check request must run before the write, never in it.
    if (s->account_id || (p && p->verify)) {
      st->passed_on = true;
      return Unavailable("passed on to the ordinary handler");
    }
    CH_TRY_STATUS(ctx.CheckRate(ctx.hub_token_limit, st->hash, "hub_token"));
    CH_TRY_STATUS(CheckSessionUsable(*s, now));
    if (!p || !SessionShows(*s, s->provider, *p)) return NotFound("This integration is not available for this link");
    st->target = AllowedIntegration{p, *i};
    return p->key;
  };
  // CompleteHubSession's two decisions in one: nothing can change between them inside the write.
  auto decide = [&ctx, st, now](const CompletionContext& c) -> Result<AccountWrite> {
    const ProviderDef& p = *st->target.provider;
    CH_TRY(UpsertDecision d, DecideUpsert(c.session, p.key, c.existing_for_key, c.session_account));
    const Account* current = d.action == UpsertAction::kUpdate ? FindById(c, d.account_id) : nullptr;
    CH_TRY(Credentials creds, SubmittedCredentials(ctx, p, st->submitted, current));
    std::string plaintext = CredentialsToJson(creds);
    WipeAll(creds);
    auto w = AccountWriteFor(ctx, c, d, st->target, plaintext, now);
    crypto::Wipe(plaintext);
    return w;
  };
  auto event = [&ctx](const Account& a, bool created) {
    return ctx.MakeEvent(created ? "account.created" : "account.updated", a);
  };
  auto finish = [&ctx, st, done = std::move(done)](Result<Completion> r) {
    if (st->passed_on) {
      ctx.Count("connecthub_hot_path_passed_on_total", "route=\"/hub/accounts\",stage=\"writer\"");
      return done(std::nullopt);
    }
    else done(std::move(r));
  };
  const std::string hash = st->hash;
  return ctx.store.CompleteSessionAsync(hash, std::move(integration_id), now, std::move(resolve), std::move(decide),
                                        std::move(event), std::move(finish));
}

}  // namespace connecthub
