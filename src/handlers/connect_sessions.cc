// POST /connect_sessions and POST /connect_sessions/authenticate (Basic auth, project API key).
#include <boost/json.hpp>

#include "core/connect_session.h"
#include "core/json_util.h"
#include "handlers/handlers.h"
#include "http/auth.h"

namespace connecthub {
namespace bj = boost::json;

namespace {

// Checks that depend on the project's state: the provider is in the catalog and enabled, and an
// account_id names an account of this project with the same owner.
Status CheckAgainstProject(const AppContext& ctx, const Project& project, const SessionRequest& req) {
  if (req.provider) {
    const ProviderDef* p = ctx.catalog->Find(*req.provider);
    if (!p) return InvalidArgument("provider '" + req.provider->substr(0, 64) + "' is not a known provider");
    CH_TRY(auto enabled, ctx.EnabledIntegrations(project.id));
    if (!enabled.count(*req.provider)) {
      return InvalidArgument("provider '" + *req.provider + "' is not enabled in this project; enable its integration first");
    }
  }
  if (req.account_id) {
    auto account = ctx.store.FindAccount(project.id, *req.account_id);
    if (!account.ok()) {
      if (account.code() == ErrorCode::kNotFound) return NotFound("account_id '" + req.account_id->substr(0, 64) + "' was not found");
      return std::move(account).error();
    }
    if (account->origin_owner_id != req.origin_owner_id) {
      return InvalidArgument("origin_owner_id must match the origin_owner_id of account_id's account");
    }
    if (req.provider && *req.provider != account->provider) {
      return InvalidArgument("provider must match the provider of account_id's account (" + account->provider + ")");
    }
  }
  return OkStatus();
}

std::string AuthLinkUrl(const AppContext& ctx, const std::string& token) {
  // The token travels in the fragment, which browsers never send to servers, so it stays out of logs.
  return ctx.settings.public_url + ctx.settings.hub_page_path + "#token=" + token;
}

}  // namespace

void AddConnectSessionRoutes(http::Router& r, AppContext& ctx) {
  r.Add("POST", "/connect_sessions", [&ctx](http::Request& req) -> Result<http::Response> {
    CH_TRY(Project project, ctx.AuthenticateApiKey(req));
    CH_TRY(bj::object body, ReadJsonBody(req));
    CH_TRY(SessionRequest sr, ParseSessionRequest(body));
    CH_TRY_STATUS(CheckAgainstProject(ctx, project, sr));
    std::string token = crypto::RandomToken("cst_");
    CH_TRY(ConnectSession s, ctx.store.CreateSession(MakeSession(sr, project, crypto::TokenHash(token), ctx.Now())));
    ctx.Count("connecthub_connect_sessions_created_total");
    bj::object out = ctx.SessionJson(s);
    out["auth_link_url"] = AuthLinkUrl(ctx, token);
    out["token"] = std::move(token);
    return http::JsonResponse(201, out);
  });

  r.Add("POST", "/connect_sessions/authenticate", [&ctx](http::Request& req) -> Result<http::Response> {
    CH_TRY(Project project, ctx.AuthenticateApiKey(req));
    CH_TRY(bj::object body, ReadJsonBody(req));
    for (const auto& kv : body) {
      if (kv.key() != "token") return InvalidArgument("Unknown field '" + std::string(kv.key()).substr(0, 64) + "'");
    }
    CH_TRY(std::string token, json::ReqString(body, "token", 64 * 1024));
    if (!http::LooksLikeToken(token)) return Unauthenticated("Invalid connect session token");
    auto s = ctx.store.FindSessionByTokenHash(crypto::TokenHash(token));
    if (!s.ok()) {
      if (s.code() == ErrorCode::kNotFound) return Unauthenticated("Invalid connect session token");
      return std::move(s).error();
    }
    // Another project's token is as unknown as a made-up one.
    if (s->project_id != project.id) return Unauthenticated("Invalid connect session token");
    CH_TRY_STATUS(CheckSessionUsable(*s, ctx.Now()));
    return http::JsonResponse(201, ctx.SessionJson(*s));
  });
}

}  // namespace connecthub
