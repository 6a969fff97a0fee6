// The accounts API (Basic auth, project API key): list, get, patch, delete, meta — as StackOne's
// official SDK calls them.
#include <set>

#include <boost/json.hpp>

#include "core/credentials.h"
#include "core/json_util.h"
#include "handlers/handlers.h"
#include "http/query.h"

namespace connecthub {
namespace bj = boost::json;

namespace {

constexpr int64_t kMaxPageSize = 1000;
constexpr size_t kMaxFilterValues = 100;

Result<int64_t> IntParam(const http::Request& req, std::string_view key, int64_t def, int64_t lo, int64_t hi) {
  auto v = http::QueryFirst(req.query, key);
  if (!v) return def;
  if (v->empty() || v->size() > 18 || v->find_first_not_of("0123456789") != std::string::npos) {
    return InvalidArgument(std::string(key) + " must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi));
  }
  int64_t n = std::stoll(*v);
  if (n < lo || n > hi) {
    return InvalidArgument(std::string(key) + " must be from " + std::to_string(lo) + " to " + std::to_string(hi));
  }
  return n;
}

Result<std::vector<std::string>> ListParam(const http::Request& req, std::initializer_list<std::string_view> keys) {
  std::vector<std::string> out;
  for (auto k : keys) {
    for (auto& v : http::QueryAll(req.query, k)) {
      if (v.empty()) continue;
      if (v.size() > 255) return InvalidArgument(std::string(k) + " values must be at most 255 characters");
      out.push_back(std::move(v));
    }
  }
  if (out.size() > kMaxFilterValues) return InvalidArgument("at most 100 values per filter");
  return out;
}

Result<AccountFilter> ReadFilter(const http::Request& req, const Project& project) {
  AccountFilter f;
  f.project_id = project.id;
  CH_TRY(f.page, IntParam(req, "page", 1, 1, 1000000000));
  CH_TRY(f.page_size, IntParam(req, "page_size", 25, 1, kMaxPageSize));
  CH_TRY(f.providers, ListParam(req, {"provider", "providers"}));
  CH_TRY(f.owner_ids, ListParam(req, {"origin_owner_id", "origin_owner_ids"}));
  CH_TRY(f.account_ids, ListParam(req, {"account_ids"}));
  CH_TRY(auto statuses, ListParam(req, {"status"}));
  for (const auto& s : statuses) {
    auto st = ParseAccountStatus(s);
    if (!st) return InvalidArgument("status must be active, inactive or error");
    f.statuses.push_back(*st);
  }
  return f;
}

Result<Account> FindOr404(const AppContext& ctx, const Project& project, std::string_view id) {
  auto a = ctx.store.FindAccount(project.id, id);
  if (!a.ok() && a.code() == ErrorCode::kNotFound) return NotFound("Account not found");
  return a;
}

// PATCH rules (the SDK always sends `type` and sends {} for object fields it cannot carry):
// left out = unchanged; {} for an object field = unchanged; label string/null/{} = set/clear/unchanged.
struct Patch {
  std::optional<std::string> owner_id, owner_name;
  std::optional<std::optional<std::string>> username, label, metadata;
  std::optional<AccountStatus> status;
  bj::object credential_updates;  // merged from credentials, setup_information and secrets
};

bool IsEmptyObject(const bj::value& v) { return v.is_object() && v.get_object().empty(); }

Result<Patch> ReadPatch(const bj::object& body, const Account& current) {
  static const std::set<std::string_view> kKnown = {"provider", "origin_owner_id", "origin_owner_name", "origin_username",
                                                    "authentication_config_key", "environment", "credentials",
                                                    "setup_information", "secrets", "metadata", "label", "type", "status"};
  for (const auto& kv : body) {
    if (!kKnown.count(std::string_view(kv.key().data(), kv.key().size()))) {
      return InvalidArgument("Unknown field '" + std::string(kv.key()).substr(0, 64) + "'");
    }
  }
  Patch p;
  CH_TRY(auto provider, json::OptString(body, "provider", 255));
  if (provider && *provider != current.provider) return InvalidArgument("provider cannot be changed; link a new account instead");
  if (body.contains("origin_owner_id")) {
    CH_TRY(auto v, json::ReqString(body, "origin_owner_id", 255));
    p.owner_id = std::move(v);
  }
  if (body.contains("origin_owner_name")) {
    CH_TRY(auto v, json::ReqString(body, "origin_owner_name", 255));
    p.owner_name = std::move(v);
  }
  if (body.contains("origin_username")) {
    CH_TRY(auto v, json::OptString(body, "origin_username", 255));
    p.username = std::move(v);
  }
  if (auto it = body.find("label"); it != body.end() && !IsEmptyObject(it->value())) {
    if (!it->value().is_null() && !it->value().is_string()) return InvalidArgument("label must be a string, null or {}");
    CH_TRY(auto v, json::OptString(body, "label", 1024));
    p.label = std::move(v);
  }
  if (auto it = body.find("metadata"); it != body.end() && !IsEmptyObject(it->value())) {
    CH_TRY(auto v, json::OptObjectJson(body, "metadata", 16 * 1024));
    p.metadata = std::move(v);
  }
  // The account's type comes from the session that linked it. The SDK sends "production" on every
  // PATCH whether or not the caller set it, so honouring it would silently flip test accounts.
  CH_TRY(auto type, json::OptString(body, "type", 32));
  if (type && *type != "production" && *type != "test") return InvalidArgument("type must be 'production' or 'test'");
  CH_TRY(auto env, json::OptString(body, "environment", 255));
  CH_TRY(auto ack, json::OptString(body, "authentication_config_key", 255));
  CH_TRY(auto status, json::OptString(body, "status", 32));
  if (status) {
    if (*status == "active") p.status = AccountStatus::kActive;
    else if (*status == "inactive") p.status = AccountStatus::kInactive;
    else return InvalidArgument("status can be set to 'active' or 'inactive'");
  }
  for (const char* key : {"setup_information", "secrets", "credentials"}) {
    auto it = body.find(key);
    if (it == body.end() || it->value().is_null()) continue;
    if (!it->value().is_object()) return InvalidArgument(std::string(key) + " must be an object");
    for (const auto& kv : it->value().get_object()) p.credential_updates[kv.key()] = kv.value();
  }
  return p;
}

}  // namespace

void AddAccountRoutes(http::Router& r, AppContext& ctx) {
  r.Add("GET", "/accounts", [&ctx](http::Request& req) -> Result<http::Response> {
    CH_TRY(Project project, ctx.AuthenticateApiKey(req));
    CH_TRY(AccountFilter f, ReadFilter(req, project));
    CH_TRY(auto accounts, ctx.store.ListAccounts(f));
    // One arena for the whole page: a thousand small allocations become a few.
    unsigned char first_block[16384];
    bj::monotonic_resource arena(first_block, sizeof first_block);
    bj::storage_ptr sp(&arena);
    bj::array out(sp);
    out.reserve(accounts.size());
    for (const auto& a : accounts) out.emplace_back(ctx.AccountJson(a, sp));
    return http::JsonResponse(200, bj::value(std::move(out)));
  });

  r.Add("GET", "/accounts/{id}", [&ctx](http::Request& req) -> Result<http::Response> {
    CH_TRY(Project project, ctx.AuthenticateApiKey(req));
    CH_TRY(Account a, FindOr404(ctx, project, req.Param("id")));
    return http::JsonResponse(200, ctx.AccountJson(a));
  });

  r.Add("GET", "/accounts/{id}/meta", [&ctx](http::Request& req) -> Result<http::Response> {
    CH_TRY(Project project, ctx.AuthenticateApiKey(req));
    CH_TRY(Account a, FindOr404(ctx, project, req.Param("id")));
    const ProviderDef* p = ctx.catalog->Find(a.provider);
    return http::JsonResponse(200, bj::object{{"provider", a.provider},
                                              {"category", p ? p->category : "hris"},
                                              {"models", bj::object()}});
  });

  r.Add("PATCH", "/accounts/{id}", [&ctx](http::Request& req) -> Result<http::Response> {
    CH_TRY(Project project, ctx.AuthenticateApiKey(req));
    CH_TRY(bj::object body, ReadJsonBody(req));
    const TimeMs now = ctx.Now();
    auto mutate = [&](const Account& current) -> Result<Account> {
      CH_TRY(Patch p, ReadPatch(body, current));
      Account a = current;
      if (p.owner_id) a.origin_owner_id = *p.owner_id;
      if (p.owner_name) a.origin_owner_name = *p.owner_name;
      if (p.username) a.origin_username = *p.username;
      if (p.label) a.label = *p.label;
      if (p.metadata) a.metadata_json = *p.metadata;
      if (p.status && *p.status != a.status) {
        a.status = *p.status;
        a.status_reasons.push_back(*p.status == AccountStatus::kInactive
                                       ? StatusReason{"deactivated", "Set to inactive through the API", now}
                                       : StatusReason{"activated", "Set to active through the API", now});
      }
      if (!p.credential_updates.empty()) {
        const ProviderDef* def = ctx.catalog->Find(a.provider);
        if (!def) return InvalidArgument("this account's provider is no longer in the catalog");
        CH_TRY(std::string plain, ctx.DecryptCredentials(current));
        CH_TRY(Credentials stored, CredentialsFromJson(plain));
        crypto::Wipe(plain);
        CH_TRY(Credentials merged, ValidateCredentials(*def, p.credential_updates, &stored));
        if (merged != stored) {
          std::string next = CredentialsToJson(merged);
          a.credentials_ciphertext = ctx.EncryptCredentials(a, next);
          crypto::Wipe(next);
        }
        for (auto& [k, v] : merged) crypto::Wipe(v);
        for (auto& [k, v] : stored) crypto::Wipe(v);
      }
      a.updated_at = now;
      return a;
    };
    auto event = [&](const Account& a, bool) { return ctx.MakeEvent("account.updated", a); };
    auto updated = ctx.store.UpdateAccount(project.id, req.Param("id"), mutate, event);
    if (!updated.ok() && updated.code() == ErrorCode::kNotFound) return NotFound("Account not found");
    CH_TRY(Account a, std::move(updated));
    ctx.Count("connecthub_accounts_updated_total");
    ctx.on_account_change();
    return http::JsonResponse(200, ctx.AccountJson(a));
  });

  r.Add("DELETE", "/accounts/{id}", [&ctx](http::Request& req) -> Result<http::Response> {
    CH_TRY(Project project, ctx.AuthenticateApiKey(req));
    auto event = [&](const Account& a, bool) { return ctx.MakeEvent("account.deleted", a); };
    auto deleted = ctx.store.DeleteAccount(project.id, req.Param("id"), event);
    if (!deleted.ok() && deleted.code() == ErrorCode::kNotFound) return NotFound("Account not found");
    CH_TRY(Account a, std::move(deleted));
    ctx.Count("connecthub_accounts_deleted_total");
    ctx.on_account_change();
    return http::JsonResponse(200, ctx.AccountJson(a));
  });
}

}  // namespace connecthub
