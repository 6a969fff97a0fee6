// Method + path-pattern routing with {param} segments. Unknown path -> 404, known path with another
// method -> 405 (with Allow). Also the one place for cross-cutting response rules: CORS for /hub/*
// only, security headers, and mapping handler errors to JSON.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "http/message.h"

namespace connecthub::http {

using Handler = std::function<Result<Response>(Request&)>;

// Where a handler runs. A handler that calls a provider can wait seconds on it, so those get their own
// pool and never hold up the storage work of other requests.
enum class RunOn {
  kIoThread,  // cheap and non-blocking
  kStorage,   // reads and writes the database
  kOutbound,  // also calls out (credential checks against providers)
};

struct Route {
  std::string method;
  std::string pattern;  // "/accounts/{id}/meta"
  std::vector<std::string> parts;
  Handler handler;
  RunOn run_on = RunOn::kStorage;
};

class Router {
 public:
  explicit Router(const Clock& clock) : clock_(clock) {}

  void Add(std::string method, std::string pattern, Handler h, RunOn run_on = RunOn::kStorage);
  // Runs before every matched handler (e.g. per-client rate limits); an error answers instead.
  void SetGuard(std::function<Status(const Request&)> guard) { guard_ = std::move(guard); }

  // Finds the route for the request, filling req.params and req.route; nullptr with `status` 404 or
  // 405 (and `allow`) when none matches, or 400 for an unparseable path.
  const Route* Match(Request& req, int& status, std::string& allow) const;

  // Matches, runs the handler and applies the response rules. Never throws.
  Response Dispatch(Request& req) const;
  // The response for a request that has no route (or a preflight), without running a handler.
  Response Finish(const Request& req, Response res) const;

  const std::vector<Route>& routes() const { return routes_; }
  const Clock& clock() const { return clock_; }

 private:
  const Clock& clock_;
  std::vector<Route> routes_;
  std::function<Status(const Request&)> guard_;
};

}  // namespace connecthub::http
