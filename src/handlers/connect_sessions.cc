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
// account_id names an account of this project with the same owner. nullopt when that needs a
// database read and `may_block` is false.
std::optional<Status> CheckAgainstProject(const AppContext& ctx, const Project& project, const SessionRequest& req,
                                          bool may_block) {
  if (req.provider) {
    const ProviderDef* p = ctx.catalog->Find(*req.provider);
    if (!p) return InvalidArgument("provider '" + req.provider->substr(0, 64) + "' is not a known provider");
    auto enabled = ctx.EnabledProviders(project.id, may_block);
    if (!enabled) return std::nullopt;
    if (!enabled->ok()) return std::move(*enabled).error();
    if (!enabled->value()->count(*req.provider)) {
      return InvalidArgument("provider '" + *req.provider + "' is not enabled in this project; enable its integration first");
    }
  }
  if (req.account_id) {
    if (!may_block) return std::nullopt;
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

// Everything POST /connect_sessions does before the insert: authenticate, validate, build the row and
// its token. nullopt when that needs a database read and `may_block` is false.
std::optional<Result<ConnectSession>> PrepareSession(const AppContext& ctx, http::Request& req, bool may_block,
                                                     std::string& token) {
  auto project = ctx.AuthenticateApiKey(req, may_block);
  if (!project) return std::nullopt;
  if (!project->ok()) return std::move(*project).error();
  CH_TRY(bj::object body, ReadJsonBody(req));
  CH_TRY(SessionRequest sr, ParseSessionRequest(body));
  auto checked = CheckAgainstProject(ctx, project->value(), sr, may_block);
  if (!checked) return std::nullopt;
  CH_TRY_STATUS(*checked);
  const TimeMs now = ctx.Now();
  token = crypto::NewSessionToken(now);
  return MakeSession(sr, project->value(), crypto::SessionTokenKey(token), now);
}

http::Response SessionCreated(const AppContext& ctx, const ConnectSession& s, std::string token) {
  ctx.Count("connecthub_connect_sessions_created_total");
  unsigned char first_block[4096];
  bj::monotonic_resource arena(first_block, sizeof first_block);
  bj::storage_ptr sp(&arena);
  bj::object out = ctx.SessionJson(s, sp);
  out.emplace("auth_link_url", bj::string(AuthLinkUrl(ctx, token), sp));
  out.emplace("token", bj::string(token, sp));
  return http::JsonResponse(201, bj::value(std::move(out)));
}

}  // namespace

void AddConnectSessionRoutes(http::Router& r, AppContext& ctx) {
  r.Add("POST", "/connect_sessions", [&ctx](http::Request& req) -> Result<http::Response> {
    std::string token;
    CH_TRY(ConnectSession s, *PrepareSession(ctx, req, /*may_block=*/true, token));
    CH_TRY(ConnectSession created, ctx.store.CreateSession(s));
    return SessionCreated(ctx, created, std::move(token));
  });
  // The common case, the key and the project's integrations cached and no account_id to look up,
  // never waits on a pool thread: validation runs on the I/O thread, the insert joins the writer's
  // next group commit, and the commit answers the request.
  r.SetFast([&ctx](http::Request& req, http::Reply& reply) -> bool {
    if (!ctx.store.HasAsyncSessionWrites()) return false;
    std::string token;
    auto prepared = PrepareSession(ctx, req, /*may_block=*/false, token);
    if (!prepared) return false;  // not charged yet: the ordinary handler charges it once
    if (Status limited = ctx.ChargeApiKey(req); !limited.ok()) prepared = std::move(limited).error();
    if (!prepared->ok()) {
      reply([e = std::move(*prepared).error()]() -> Result<http::Response> { return e; });
      return true;
    }
    // Runs on the writer thread after the commit: hands the result over, renders nothing.
    return ctx.store.CreateSessionAsync(prepared->value(), [&ctx, reply, token](Result<ConnectSession> created) {
      reply([&ctx, created = std::move(created), token]() -> Result<http::Response> {
        if (!created.ok()) return created.error();
        return SessionCreated(ctx, *created, token);
      });
    });
  });

  r.Add("POST", "/connect_sessions/authenticate", [&ctx](http::Request& req) -> Result<http::Response> {
    CH_TRY(Project project, ctx.AuthenticateApiKey(req));
    CH_TRY(bj::object body, ReadJsonBody(req));
    for (const auto& kv : body) {
      if (kv.key() != "token") return InvalidArgument("Unknown field '" + std::string(kv.key()).substr(0, 64) + "'");
    }
    CH_TRY(std::string token, json::ReqString(body, "token", 64 * 1024));
    if (!http::LooksLikeToken(token)) return Unauthenticated("Invalid connect session token");
    auto s = ctx.store.FindSessionByTokenHash(crypto::SessionTokenKey(token));
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
