// GET /healthz (the process answers), GET /readyz (and its database does), and the bundled logos.
#include <boost/json.hpp>

#include "handlers/handlers.h"
#include "http/error_mapping.h"

namespace connecthub {

void AddHealthRoutes(http::Router& r, AppContext& ctx) {
  r.Add("GET", "/healthz",
        [](http::Request&) -> Result<http::Response> {
          http::Response res;
          res.body = R"({"status":"ok"})";
          return res;
        },
        http::RunOn::kIoThread);

  r.Add("GET", "/readyz", [&ctx](http::Request&) -> Result<http::Response> {
    Status st = ctx.store.Ping();
    if (!st.ok()) return Unavailable("database is not reachable");
    http::Response res;
    res.body = R"({"status":"ready"})";
    return res;
  });

  // Provider logos are public, immutable per release, and referenced by logo_url.
  r.Add("GET", "/logos/{file}",
        [&ctx](http::Request& req) -> Result<http::Response> {
          const std::string* svg = ctx.catalog->Logo(req.Param("file"));
          if (!svg) return NotFound("No such logo");
          http::Response res;
          res.content_type = "image/svg+xml";
          res.body = *svg;
          res.SetHeader("Cache-Control", "public, max-age=86400");
          res.SetHeader("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
          res.SetHeader("Access-Control-Allow-Origin", "*");
          return res;
        },
        http::RunOn::kIoThread);
}

}  // namespace connecthub
