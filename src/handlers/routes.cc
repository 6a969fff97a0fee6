#include "handlers/handlers.h"

namespace connecthub {

namespace {
bool BrowserFacing(std::string_view path) {
  return path == "/link" || path.rfind("/hub/", 0) == 0;
}
}  // namespace

void AddAllRoutes(http::Router& r, AppContext& ctx) {
  // Browser-facing routes are limited per client address too (the hub token limit alone would let one
  // client cycle through many tokens).
  r.SetGuard([&ctx](const http::Request& req) -> Status {
    if (!BrowserFacing(req.path)) return OkStatus();
    return ctx.CheckRate(ctx.client_limit, req.remote_ip, "client");
  });
  if (ctx.metrics) {
    r.Add("GET", "/metrics",
          [&ctx](http::Request&) -> Result<http::Response> {
            http::Response res;
            res.content_type = "text/plain; version=0.0.4; charset=utf-8";
            res.body = ctx.metrics->Render();
            return res;
          },
          http::RunOn::kIoThread);
  }
  AddHealthRoutes(r, ctx);
  AddConnectSessionRoutes(r, ctx);
  AddConnectorsMetaRoutes(r, ctx);
  AddHubRoutes(r, ctx);
  AddAccountRoutes(r, ctx);
  AddPageRoutes(r, ctx);
  AddOpenApiRoute(r, ctx);
}

}  // namespace connecthub
