#include "http/router.h"

#include <spdlog/spdlog.h>

#include "http/error_mapping.h"
#include "http/query.h"

namespace connecthub::http {

namespace {
std::vector<std::string> SplitPattern(const std::string& p) {
  std::vector<std::string> parts;
  size_t pos = 1;
  while (pos <= p.size()) {
    size_t next = p.find('/', pos);
    if (next == std::string::npos) next = p.size();
    if (next > pos) parts.push_back(p.substr(pos, next - pos));
    pos = next + 1;
  }
  return parts;
}

bool IsHubPath(std::string_view path) { return path == "/hub" || path.rfind("/hub/", 0) == 0; }
}  // namespace

void Router::Add(std::string method, std::string pattern, Handler h, RunOn run_on) {
  Route r;
  r.method = std::move(method);
  r.parts = SplitPattern(pattern);
  r.pattern = std::move(pattern);
  r.handler = std::move(h);
  r.run_on = run_on;
  routes_.push_back(std::move(r));
}

void Router::SetFast(FastHandler fast) { routes_.back().fast = std::move(fast); }

const Route* Router::Match(Request& req, int& status, std::string& allow) const {
  auto segs = SplitPath(req.path);
  if (!segs.ok()) {
    status = 400;
    return nullptr;
  }
  bool path_matched = false;
  for (const auto& r : routes_) {
    if (r.parts.size() != segs->size()) continue;
    std::map<std::string, std::string> params;
    bool ok = true;
    for (size_t i = 0; i < r.parts.size() && ok; ++i) {
      const auto& part = r.parts[i];
      if (part.size() > 2 && part.front() == '{' && part.back() == '}') {
        if ((*segs)[i].empty()) ok = false;
        else params[part.substr(1, part.size() - 2)] = (*segs)[i];
      } else {
        ok = part == (*segs)[i];
      }
    }
    if (!ok) continue;
    path_matched = true;
    if (r.method == req.method || (req.method == "HEAD" && r.method == "GET")) {
      req.params = std::move(params);
      req.route = r.pattern;
      return &r;
    }
    if (!allow.empty()) allow += ", ";
    allow += r.method;
    if (req.route.empty()) req.route = r.pattern;
  }
  status = path_matched ? 405 : 404;
  return nullptr;
}

Response Router::Dispatch(Request& req) const {
  int status = 0;
  std::string allow;
  if (req.method == "OPTIONS" && IsHubPath(req.path)) {
    req.route = "preflight";
    Response pre;
    pre.status = 204;
    pre.content_type.clear();
    return Finish(req, std::move(pre));
  }
  if (size_t q = req.target.find('?'); q != std::string::npos) {
    auto parsed = ParseQuery(std::string_view(req.target).substr(q + 1));
    if (!parsed.ok()) {
      req.route = "bad-query";
      return Finish(req, ErrorResponse(parsed.error(), clock_.NowMs()));
    }
    req.query = std::move(parsed).value();
  }
  const Route* route = Match(req, status, allow);
  if (!route) {
    if (req.route.empty()) req.route = status == 404 ? "unmatched" : "bad-path";
    Response r = status == 405 ? ErrorResponse(405, "Method " + req.method + " is not allowed on " + req.route, clock_.NowMs())
                 : status == 400 ? ErrorResponse(400, "The request path is malformed", clock_.NowMs())
                                 : ErrorResponse(404, "Not found", clock_.NowMs());
    if (status == 405) r.SetHeader("Allow", allow);
    return Finish(req, std::move(r));
  }
  Result<Response> out = Internal("no response");
  try {
    Status admitted = Admit(req);
    out = admitted.ok() ? route->handler(req) : Result<Response>(std::move(admitted).error());
  } catch (const std::exception& e) {
    spdlog::error("request {} {}: unhandled exception: {}", req.request_id, req.route, e.what());
    out = Internal("unhandled exception");
  }
  return Complete(req, std::move(out));
}

Status Router::Admit(Request& req) const {
  // A request the fast path declined comes through here a second time; it is counted once.
  if (req.admitted || !guard_) return OkStatus();
  Status st = guard_(req);
  if (st.ok()) req.admitted = true;
  return st;
}

bool Router::TryFast(Request& req, const Route& route, std::function<void(std::function<Response()>)> done) const {
  if (!route.fast || req.method == "OPTIONS") return false;
  // Query strings are parsed by Dispatch, which also answers a malformed one.
  if (req.target.find('?') != std::string::npos) return false;
  Status admitted = Admit(req);
  if (!admitted.ok()) {
    done([this, &req, e = std::move(admitted).error()]() { return Complete(req, e); });
    return true;
  }
  Reply reply = [this, &req, done = std::move(done)](MakeResponse make) {
    if (!make) {
      done(nullptr);  // passed on: the caller dispatches to the ordinary handler
      return;
    }
    done([this, &req, make = std::move(make)]() {
      Result<Response> out = Internal("no response");
      try {
        out = make();
      } catch (const std::exception& e) {
        spdlog::error("request {} {}: unhandled exception: {}", req.request_id, req.route, e.what());
        out = Internal("unhandled exception");
      }
      return Complete(req, std::move(out));
    });
  };
  try {
    return route.fast(req, reply);
  } catch (const std::exception& e) {
    // Only reached before the handler answered (see FastHandler).
    spdlog::error("request {} {}: unhandled exception: {}", req.request_id, req.route, e.what());
    reply([] { return Internal("unhandled exception"); });
    return true;
  }
}

Response Router::Complete(const Request& req, Result<Response> out) const {
  Response res;
  if (out.ok()) {
    res = std::move(out).value();
  } else {
    const Error& e = out.error();
    if (e.code == ErrorCode::kInternal) spdlog::error("request {} {}: {}", req.request_id, req.route, e.message);
    res = ErrorResponse(e, clock_.NowMs());
  }
  return Finish(req, std::move(res));
}

Response Router::Finish(const Request& req, Response res) const {
  // Browsers may call only the hub API cross-origin; it carries no cookies, so any origin is safe:
  // the session token in the header is the only authority.
  if (IsHubPath(req.path)) {
    res.SetHeader("Access-Control-Allow-Origin", "*");
    res.SetHeader("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE, OPTIONS");
    res.SetHeader("Access-Control-Allow-Headers", "content-type, x-hub-session-token, x-hub-version");
    res.SetHeader("Access-Control-Max-Age", "600");
    // A hub on another origin can then read how long a 429 or 503 asks it to wait.
    res.SetHeader("Access-Control-Expose-Headers", "Retry-After");
    res.SetHeader("Vary", "Origin");
  }
  res.SetHeader("X-Content-Type-Options", "nosniff");
  res.SetHeader("X-Request-Id", req.request_id);
  if (res.content_type == "application/json") res.SetHeader("Cache-Control", "no-store");
  return res;
}

}  // namespace connecthub::http
