// GET /connectors/meta and GET /connectors/meta/{provider}: the catalog as StackOne's ConnectorsMeta,
// with `active` telling whether the provider is enabled in the calling project.
#include <boost/json.hpp>

#include "handlers/handlers.h"
#include "http/query.h"

namespace connecthub {
namespace bj = boost::json;

namespace {
bj::object MetaJson(const AppContext& ctx, const ProviderDef& p, bool active) {
  bj::object o;
  o["provider"] = p.key;
  o["provider_name"] = p.name;
  o["category"] = p.category;
  o["active"] = active;
  o["models"] = bj::object();
  o["resources"] = bj::object{{"images", bj::object{{"logo_url", ctx.settings.public_url + "/logos/" + p.logo}}}};
  return o;
}

Status CheckInclude(const http::Request& req) {
  // `include` is a comma-separated list (field_path, unmapped_fields, resources, inactive, webhooks,
  // static_fields); accepted for compatibility, nothing extra to include yet.
  for (const auto& v : http::QueryAll(req.query, "include")) {
    if (v.size() > 512) return InvalidArgument("include is too long");
  }
  return OkStatus();
}
}  // namespace

void AddConnectorsMetaRoutes(http::Router& r, AppContext& ctx) {
  r.Add("GET", "/connectors/meta", [&ctx](http::Request& req) -> Result<http::Response> {
    CH_TRY(Project project, ctx.AuthenticateApiKey(req));
    CH_TRY_STATUS(CheckInclude(req));
    CH_TRY(auto enabled, ctx.EnabledIntegrations(project.id));
    bj::array out;
    for (const auto& p : ctx.catalog->providers()) out.push_back(MetaJson(ctx, p, enabled.count(p.key) > 0));
    return http::JsonResponse(200, out);
  });

  r.Add("GET", "/connectors/meta/{provider}", [&ctx](http::Request& req) -> Result<http::Response> {
    CH_TRY(Project project, ctx.AuthenticateApiKey(req));
    CH_TRY_STATUS(CheckInclude(req));
    const ProviderDef* p = ctx.catalog->Find(req.Param("provider"));
    if (!p) return NotFound("Provider '" + std::string(req.Param("provider")).substr(0, 64) + "' is not in the catalog");
    CH_TRY(auto enabled, ctx.EnabledIntegrations(project.id));
    return http::JsonResponse(200, MetaJson(ctx, *p, enabled.count(p->key) > 0));
  });
}

}  // namespace connecthub
