// The hub API (`x-hub-session-token` auth, CORS): what @stackone/hub@1.11.4 and our hosted page call
// while an end user links or edits an account.
#include <boost/json.hpp>

#include "core/credentials.h"
#include "core/json_util.h"
#include "core/upsert.h"
#include "handlers/handlers.h"
#include "handlers/hub_support.h"
#include "http/auth.h"
#include "http/query.h"

namespace connecthub {
namespace bj = boost::json;

namespace {

bj::object IntegrationJson(const AppContext& ctx, const ProviderDef& p, const Integration& i) {
  return bj::object{{"active", true},
                    {"name", p.name},
                    {"provider", p.key},
                    {"type", p.category},
                    {"version", "1"},
                    {"authentication_config_key", "custom"},
                    {"environment", "production"},
                    {"integration_id", i.id},
                    {"logo_url", ctx.settings.public_url + "/logos/" + p.logo}};
}

// The credential form. When it will edit a stored account (`editing`), secret fields are prefilled
// with the "********" placeholder by @stackone/hub: they become optional and their pattern also
// accepts the placeholder, which the server reads as "keep the stored value".
bj::object ConfigJson(const AppContext& ctx, const ProviderDef& p, bool editing) {
  bj::array fields;
  for (const auto& f : p.fields) {
    const bool keep_allowed = editing && f.secret;
    bj::object o{{"key", f.key},           {"label", f.label},       {"type", f.type},
                 {"required", f.required && !keep_allowed}, {"secret", f.secret},     {"readOnly", false},
                 {"placeholder", f.placeholder}};
    if (!f.description.empty()) o["description"] = f.description;
    if (!f.options.empty()) {
      bj::array opts;
      for (const auto& opt : f.options) opts.push_back(bj::object{{"label", opt.label}, {"value", opt.value}});
      o["options"] = std::move(opts);
    }
    if (!f.pattern.empty()) {
      std::string pattern = f.pattern;
      if (keep_allowed && pattern.size() >= 2 && pattern.front() == '^' && pattern.back() == '$') {
        pattern = "^(?:\\*{8}|" + pattern.substr(1, pattern.size() - 2) + ")$";
      }
      o["validation"] = bj::object{{"type", "html-pattern"}, {"pattern", pattern},
                                   {"error", f.pattern_error.empty() ? f.label + " is not in the expected format" : f.pattern_error}};
    }
    if (f.default_value) o["value"] = *f.default_value;
    fields.push_back(std::move(o));
  }
  bj::object config{{"key", p.key},
                    {"name", p.name},
                    {"type", "custom"},
                    {"category", p.category},
                    {"configFields", std::move(fields)},
                    {"assets", bj::object{{"icon", ctx.settings.public_url + "/logos/" + p.logo}}}};
  if (!p.support_url.empty() || !p.description.empty()) {
    bj::object support;
    if (!p.support_url.empty()) support["link"] = p.support_url;
    if (!p.description.empty()) support["description"] = p.description;
    config["support"] = std::move(support);
  }
  return config;
}

// Reads {integration_id, credentials} as the hub sends them.
struct Submission {
  std::string integration_id;
  bj::object credentials;
};

Result<Submission> ReadSubmission(const http::Request& req) {
  CH_TRY(bj::object body, ReadJsonBody(req));
  for (const auto& kv : body) {
    if (kv.key() != "integration_id" && kv.key() != "credentials") {
      return InvalidArgument("Unknown field '" + std::string(kv.key()).substr(0, 64) + "'");
    }
  }
  Submission s;
  CH_TRY(s.integration_id, json::ReqString(body, "integration_id", 255));
  auto it = body.find("credentials");
  if (it == body.end() || it->value().is_null()) {
    s.credentials = {};
  } else if (!it->value().is_object()) {
    return InvalidArgument("credentials must be an object");
  } else {
    s.credentials = it->value().get_object();
  }
  return s;
}

// The answer to a completed link (POST /hub/accounts, PATCH /hub/accounts/{id}).
http::Response Linked(const AppContext& ctx, const Completion& c) {
  ctx.Count(c.created ? "connecthub_accounts_linked_total" : "connecthub_accounts_updated_total");
  // Only when there is something to deliver: each nudge costs the dispatcher a claim round through
  // the writer, and at thousands of links a second with no endpoint that was all wasted.
  if (c.deliveries > 0) ctx.on_account_change();
  return http::JsonResponse(c.created ? 201 : 200, bj::object{{"id", c.account.id}, {"provider", c.account.provider}});
}

}  // namespace

void AddHubRoutes(http::Router& r, AppContext& ctx) {
  r.Add("GET", "/hub/settings", [&ctx](http::Request& req) -> Result<http::Response> {
    CH_TRY(ConnectSession s, ctx.AuthenticateHubToken(req));
    bj::object out{{"enabled_features", bj::array()}};
    // `?provider=` (our page, after the user picks one in a categories/all session) asks the rules
    // about that provider; @stackone/hub never sends it.
    CH_TRY(auto target, HubEditTarget(ctx, s, http::QueryFirst(req.query, "provider")));
    if (target) out["existing_account_id"] = *target;
    // Extra fields for our hosted page; @stackone/hub ignores them.
    if (!s.categories.empty()) {
      bj::array cats;
      for (const auto& c : s.categories) cats.emplace_back(c);
      out["categories"] = std::move(cats);
    }
    if (s.provider) out["provider"] = *s.provider;
    out["expires_at"] = FormatIso(s.expires_at);
    // Who may frame the hub page. The page loads before it knows its token (the token never travels
    // in a URL), so its first response cannot carry the project's frame-ancestors; a framed page that
    // learns here that the list is restrictive reloads itself with ?project= to get the header.
    CH_TRY(Project project, ctx.store.FindProject(s.project_id));
    bj::array origins;
    for (const auto& o : project.allowed_origins) origins.emplace_back(o);
    out["project_id"] = project.id;
    out["allowed_origins"] = std::move(origins);
    return http::JsonResponse(200, out);
  });

  r.Add("GET", "/hub/connectors", [&ctx](http::Request& req) -> Result<http::Response> {
    CH_TRY(ConnectSession s, ctx.AuthenticateHubToken(req));
    CH_TRY(auto allowed, AllowedIntegrations(ctx, s));
    auto only = http::QueryFirst(req.query, "provider");
    bj::array list;
    for (const auto& [provider, integration] : allowed) {
      if (only && *only != provider) continue;
      list.push_back(IntegrationJson(ctx, *ctx.catalog->Find(provider), integration));
    }
    return http::JsonResponse(200, bj::object{{"integrations", std::move(list)}});
  });

  r.Add("GET", "/hub/connectors/{integration_id}", [&ctx](http::Request& req) -> Result<http::Response> {
    CH_TRY(ConnectSession s, ctx.AuthenticateHubToken(req));
    CH_TRY(auto found, FindAllowedIntegration(ctx, s, req.Param("integration_id")));
    CH_TRY(auto target, HubEditTarget(ctx, s, found.provider->key));
    return http::JsonResponse(
        200, bj::object{{"config", ConfigJson(ctx, *found.provider, target.has_value())},
                        {"hub_settings", bj::object{{"configured_webhook_events", bj::object()},
                                                    {"project_settings", bj::object()}}}});
  });

  r.Add("POST", "/hub/accounts", [&ctx](http::Request& req) -> Result<http::Response> {
    CH_TRY(ConnectSession s, ctx.AuthenticateHubToken(req));
    CH_TRY(Submission sub, ReadSubmission(req));
    CH_TRY(auto found, FindAllowedIntegration(ctx, s, sub.integration_id));
    CH_TRY(Completion c, CompleteHubSession(ctx, s, found, sub.credentials, std::nullopt));
    return Linked(ctx, c);
  }, http::RunOn::kOutbound);  // the provider's credential check may take up to the verify timeout
  // The common case, a provider without a check request and no account_id, never waits on a pool
  // thread: the body is read here on the I/O thread, and the session, integration and upsert decision
  // are read and made inside the writer's next group commit, whose commit answers the request.
  r.SetFast([&ctx](http::Request& req, http::Reply& reply) -> bool {
    auto token = req.Header("x-hub-session-token");
    if (token.empty() || !http::LooksLikeToken(token)) return false;
    auto sub = ReadSubmission(req);
    // The ordinary handler answers a bad body, after an invalid token as it should.
    if (!sub.ok()) return false;
    return CompleteHubSessionAsync(
        ctx, token, std::move(sub->integration_id), std::move(sub->credentials),
        [&ctx, reply](std::optional<Result<Completion>> done) {
          if (!done) return reply(nullptr);  // the ordinary handler takes it from here
          // Runs on the writer thread: hands the result over; rendering happens on the I/O thread.
          reply([&ctx, c = std::move(*done)]() -> Result<http::Response> {
            if (!c.ok()) return c.error();
            return Linked(ctx, *c);
          });
        });
  });

  r.Add("GET", "/hub/accounts/{id}", [&ctx](http::Request& req) -> Result<http::Response> {
    CH_TRY(ConnectSession s, ctx.AuthenticateHubToken(req));
    CH_TRY(Account a, HubEditableAccount(ctx, s, req.Param("id")));
    const ProviderDef* p = ctx.catalog->Find(a.provider);
    if (!p) return NotFound("This account's provider is no longer available");
    CH_TRY(std::string plain, ctx.DecryptCredentials(a));
    CH_TRY(Credentials creds, CredentialsFromJson(plain));
    crypto::Wipe(plain);
    bj::object out{{"id", a.id},
                   {"provider", a.provider},
                   {"integrationId", a.integration_id},
                   {"version", "1"},
                   {"authConfigKey", "custom"},
                   {"environment", "production"},
                   {"setupInformation", SetupInformation(*p, creds)},
                   {"secrets", SecretPlaceholders(*p, creds)}};
    for (auto& [k, v] : creds) crypto::Wipe(v);
    return http::JsonResponse(200, out);
  });

  r.Add("PATCH", "/hub/accounts/{id}", [&ctx](http::Request& req) -> Result<http::Response> {
    CH_TRY(ConnectSession s, ctx.AuthenticateHubToken(req));
    CH_TRY(Account a, HubEditableAccount(ctx, s, req.Param("id")));
    CH_TRY(Submission sub, ReadSubmission(req));
    CH_TRY(auto found, FindAllowedIntegration(ctx, s, sub.integration_id));
    if (found.provider->key != a.provider) return InvalidArgument("integration_id does not match this account's provider");
    CH_TRY(Completion c, CompleteHubSession(ctx, s, found, sub.credentials, a.id));
    return Linked(ctx, c);
  }, http::RunOn::kOutbound);
}

}  // namespace connecthub
