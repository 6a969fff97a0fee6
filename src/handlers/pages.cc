// The hosted hub page (/link), its static assets and connect.js, all compiled into the binary from
// web/dist. The page gets a fresh CSP nonce per response; assets have content-hashed names and are
// cached for a year.
#include <boost/json.hpp>

#include "core/embedded.h"
#include "handlers/handlers.h"
#include "http/query.h"

namespace connecthub {
namespace assets {
extern const std::vector<EmbeddedFile> kWebFiles;
}

namespace {

const EmbeddedFile* FindWebFile(std::string_view name) {
  for (const auto& f : assets::kWebFiles)
    if (f.name == name) return &f;
  return nullptr;
}

std::string ContentType(std::string_view name) {
  auto ends = [&](std::string_view ext) {
    return name.size() >= ext.size() && name.substr(name.size() - ext.size()) == ext;
  };
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".woff2")) return "font/woff2";
  if (ends(".png")) return "image/png";
  if (ends(".json")) return "application/json";
  return "application/octet-stream";
}

void ReplaceAll(std::string& s, std::string_view from, std::string_view to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) s.replace(pos, from.size(), to);
}

}  // namespace

std::string FrameAncestors(const std::vector<std::string>& origins) {
  if (origins.empty()) return "*";
  std::string out;
  for (const auto& o : origins) out += (out.empty() ? "" : " ") + o;
  return out;
}

void AddPageRoutes(http::Router& r, AppContext& ctx) {
  r.Add("GET", "/link", [&ctx](http::Request& req) -> Result<http::Response> {
    const EmbeddedFile* page = FindWebFile("link.html");
    if (!page) return Unavailable("The hub page is not built into this binary (run scripts/build.sh)");
    // Who may frame the page: the project's allowed origins when the embedder names the project.
    std::vector<std::string> origins;
    if (auto project = http::QueryFirst(req.query, "project")) {
      auto p = ctx.store.FindProject(*project);
      if (p.ok()) origins = p->allowed_origins;
    }
    const std::string nonce = crypto::RandomToken("", 16);
    std::string html(page->data);
    ReplaceAll(html, "__CSP_NONCE__", nonce);
    http::Response res;
    res.content_type = "text/html; charset=utf-8";
    res.body = std::move(html);
    res.SetHeader("Content-Security-Policy",
                  "default-src 'none'; script-src 'nonce-" + nonce + "'; style-src 'nonce-" + nonce +
                      "'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; "
                      "form-action 'none'; frame-ancestors " + FrameAncestors(origins));
    res.SetHeader("Referrer-Policy", "no-referrer");
    res.SetHeader("Cache-Control", "no-store");
    res.SetHeader("Cross-Origin-Opener-Policy", "same-origin-allow-popups");
    return res;
  });

  r.Add("GET", "/assets/{file}",
        [](http::Request& req) -> Result<http::Response> {
          std::string name = "assets/" + std::string(req.Param("file"));
          const EmbeddedFile* f = FindWebFile(name);
          if (!f) return NotFound("No such asset");
          http::Response res;
          res.content_type = ContentType(name);
          res.body = std::string(f->data);
          res.SetHeader("Cache-Control", "public, max-age=31536000, immutable");
          res.SetHeader("Cross-Origin-Resource-Policy", "same-origin");
          return res;
        },
        http::RunOn::kIoThread);

  r.Add("GET", "/connect.js",
        [](http::Request&) -> Result<http::Response> {
          const EmbeddedFile* f = FindWebFile("connect.js");
          if (!f) return Unavailable("connect.js is not built into this binary (run scripts/build.sh)");
          http::Response res;
          res.content_type = "text/javascript; charset=utf-8";
          res.body = std::string(f->data);
          // Not content-hashed (customers load it by this URL), so cache briefly.
          res.SetHeader("Cache-Control", "public, max-age=300");
          res.SetHeader("Cross-Origin-Resource-Policy", "cross-origin");
          return res;
        },
        http::RunOn::kIoThread);
}

}  // namespace connecthub
