#include "handlers/app_context.h"

#include <boost/json.hpp>

#include "core/connect_session.h"
#include "core/json_util.h"
#include "http/auth.h"

namespace connecthub {
namespace bj = boost::json;

std::string CredentialsAad(std::string_view project_id, std::string_view account_id) {
  return "connecthub/credentials/v1/" + std::string(project_id) + "/" + std::string(account_id);
}

namespace {
std::string Aad(const Account& a) { return CredentialsAad(a.project_id, a.id); }
}  // namespace

Status AppContext::CheckRate(ops::RateLimiter* limiter, std::string_view key, std::string_view what) const {
  if (!limiter) return OkStatus();
  const int wait = limiter->Acquire(key, Now());
  if (wait == 0) return OkStatus();
  Count("connecthub_rate_limited_total", "limit=\"" + std::string(what) + "\"");
  Error e = MakeError(ErrorCode::kRateLimited, "Too many requests; retry in " + std::to_string(wait) + " s");
  e.extra["retry_after"] = wait;
  return e;
}

std::optional<Result<Project>> AppContext::AuthenticateApiKey(const http::Request& req, bool may_block) const {
  auto header = req.Header("authorization");
  if (header.empty()) return Unauthenticated("Missing API key: use HTTP Basic auth with the API key as the username");
  auto key = http::ParseBasicApiKey(header);
  if (!key) return Unauthenticated("Invalid authorization: use HTTP Basic auth with the API key as the username");
  const std::string hash = crypto::TokenHash(*key);
  if (api_key_cache) {
    if (auto hit = api_key_cache->Get(hash, Now())) {
      if (may_block) CH_TRY_STATUS(CheckRate(api_key_limit, hash, "api_key"));
      return Result<Project>(std::move(*hit));
    }
  }
  if (!may_block) return std::nullopt;
  // Limited before the lookup, so guessing keys is limited too.
  CH_TRY_STATUS(CheckRate(api_key_limit, hash, "api_key"));
  auto project = store.FindProjectByApiKeyHash(hash);
  if (!project.ok()) {
    if (project.code() == ErrorCode::kNotFound) return Unauthenticated("Invalid API key");
    return std::move(project).error();
  }
  // Only keys that exist are cached: made-up keys cannot fill the cache.
  if (api_key_cache) api_key_cache->Put(hash, *project, Now());
  return project;
}

Status AppContext::ChargeApiKey(const http::Request& req) const {
  auto key = http::ParseBasicApiKey(req.Header("authorization"));
  if (!key) return OkStatus();
  return CheckRate(api_key_limit, crypto::TokenHash(*key), "api_key");
}

std::optional<Result<AppContext::ProviderSet>> AppContext::EnabledProviders(const std::string& project_id,
                                                                           bool may_block) const {
  if (enabled_cache) {
    if (auto hit = enabled_cache->Get(project_id, Now())) return Result<ProviderSet>(std::move(*hit));
  }
  if (!may_block) return std::nullopt;
  CH_TRY(auto enabled, EnabledIntegrations(project_id));
  auto set = std::make_shared<std::set<std::string>>();
  for (const auto& kv : enabled) set->insert(kv.first);
  ProviderSet out = std::move(set);
  if (enabled_cache) enabled_cache->Put(project_id, out, Now());
  return Result<ProviderSet>(std::move(out));
}

Result<ConnectSession> AppContext::AuthenticateHubToken(const http::Request& req) const {
  auto token = req.Header("x-hub-session-token");
  if (token.empty()) return Unauthenticated("Missing x-hub-session-token header");
  if (!http::LooksLikeToken(token)) return Unauthenticated("This link is not valid.");
  const std::string hash = crypto::SessionTokenKey(token);
  CH_TRY_STATUS(CheckRate(hub_token_limit, hash, "hub_token"));
  auto session = store.FindSessionByTokenHash(hash);
  if (!session.ok()) {
    if (session.code() == ErrorCode::kNotFound) return Unauthenticated("This link is not valid.");
    return std::move(session).error();
  }
  // The lookup was by hash; compare again in constant time so timing reveals nothing either way.
  if (!crypto::ConstantTimeEquals(session->token_hash, hash)) return Unauthenticated("This link is not valid.");
  CH_TRY_STATUS(CheckSessionUsable(*session, Now()));
  return session;
}

Result<std::map<std::string, Integration>> AppContext::EnabledIntegrations(std::string_view project_id) const {
  CH_TRY(auto list, store.ListIntegrations(project_id));
  std::map<std::string, Integration> out;
  for (auto& i : list) {
    if (i.enabled && catalog->Find(i.provider)) out.emplace(i.provider, std::move(i));
  }
  return out;
}

std::string AppContext::EncryptCredentials(const Account& a, std::string_view plaintext) const {
  return keyring.Encrypt(plaintext, Aad(a));
}

Result<std::string> AppContext::DecryptCredentials(const Account& a) const {
  return keyring.Decrypt(a.credentials_ciphertext, Aad(a));
}

std::optional<OutboxEvent> AppContext::MakeEvent(std::string_view type, const Account& a) const {
  if (!settings.emit_events) return std::nullopt;
  OutboxEvent e;
  e.project_id = a.project_id;
  e.type = std::string(type);
  e.account_id = a.id;
  e.created_at = Now();
  e.payload_json = json::Serialize(bj::object{{"type", e.type}, {"timestamp", FormatIso(e.created_at)}, {"data", AccountJson(a)}});
  return e;
}

bj::value JsonOrNull(const std::optional<std::string>& text, bj::storage_ptr sp) {
  if (!text) return bj::value(nullptr, sp);
  bj::error_code ec;
  auto v = bj::parse(*text, ec, sp);
  if (ec) return bj::value(nullptr, sp);
  return v;
}

namespace {
// Renderings build whole trees in the caller's memory resource (a list renders many accounts into
// one arena); every value below is created in `sp`, never copied into it.
bj::value Str(std::string_view v, const bj::storage_ptr& sp) { return bj::value(bj::string(v, sp)); }
bj::value OptStr(const std::optional<std::string>& v, const bj::storage_ptr& sp) {
  return v ? Str(*v, sp) : bj::value(nullptr, sp);
}
}  // namespace

bj::object AppContext::SessionJson(const ConnectSession& s, bj::storage_ptr sp) const {
  bj::object o(sp);
  o.reserve(18);
  o.emplace("id", s.id);
  o.emplace("organization_id", s.organization_id);
  o.emplace("project_id", Str(s.project_id, sp));
  o.emplace("origin_owner_id", Str(s.origin_owner_id, sp));
  o.emplace("origin_owner_name", Str(s.origin_owner_name, sp));
  o.emplace("origin_username", OptStr(s.origin_username, sp));
  o.emplace("provider", OptStr(s.provider, sp));
  if (s.categories.empty()) {
    o.emplace("categories", nullptr);
  } else {
    bj::array cats(sp);
    for (const auto& c : s.categories) cats.emplace_back(Str(c, sp));
    o.emplace("categories", std::move(cats));
  }
  o.emplace("account_id", OptStr(s.account_id, sp));
  o.emplace("label", OptStr(s.label, sp));
  o.emplace("multiple", s.multiple);
  o.emplace("metadata", JsonOrNull(s.metadata_json, sp));
  o.emplace("type", Str(AccountTypeName(s.type), sp));
  o.emplace("created_at", Str(FormatIso(s.created_at), sp));
  o.emplace("expires_at", Str(FormatIso(s.expires_at), sp));
  return o;
}

bj::object AppContext::AccountJson(const Account& a, bj::storage_ptr sp) const {
  bj::object o(sp);
  o.reserve(16);
  o.emplace("id", Str(a.id, sp));
  o.emplace("provider", Str(a.provider, sp));
  const ProviderDef* p = catalog->Find(a.provider);
  o.emplace("provider_name", p ? Str(p->name, sp) : bj::value(nullptr, sp));
  o.emplace("origin_owner_id", Str(a.origin_owner_id, sp));
  o.emplace("origin_owner_name", Str(a.origin_owner_name, sp));
  o.emplace("origin_username", OptStr(a.origin_username, sp));
  o.emplace("label", OptStr(a.label, sp));
  o.emplace("status", Str(AccountStatusName(a.status), sp));
  bj::array reasons(sp);
  for (const auto& r : a.status_reasons) {
    bj::object reason(sp);
    reason.emplace("code", Str(r.code, sp));
    reason.emplace("description", Str(r.description, sp));
    reason.emplace("timestamp", Str(FormatIso(r.timestamp), sp));
    reasons.emplace_back(std::move(reason));
  }
  o.emplace("status_reasons", std::move(reasons));
  o.emplace("type", Str(AccountTypeName(a.type), sp));
  o.emplace("metadata", JsonOrNull(a.metadata_json, sp));
  o.emplace("integration_id", Str(a.integration_id, sp));
  o.emplace("created_at", Str(FormatIso(a.created_at), sp));
  o.emplace("updated_at", Str(FormatIso(a.updated_at), sp));
  return o;
}

Result<bj::object> ReadJsonBody(const http::Request& req) {
  auto ct = req.Header("content-type");
  std::string lowered(ct.substr(0, ct.find(';')));
  for (auto& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!lowered.empty() && lowered.back() == ' ') lowered.pop_back();
  if (lowered != "application/json" && !(lowered.size() > 5 && lowered.substr(lowered.size() - 5) == "+json")) {
    return MakeError(ErrorCode::kUnsupportedMediaType, "Content-Type must be application/json");
  }
  return json::ParseObject(req.body);
}

}  // namespace connecthub
