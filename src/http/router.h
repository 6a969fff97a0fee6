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

// Completes a request whose work finished elsewhere: callable once, from any thread. It takes a
// function that makes the result; that function runs later on the request's I/O thread, so a thread
// that must stay free (the database writer) only hands the answer over and does not render it.
using MakeResponse = std::function<Result<Response>()>;
using Reply = std::function<void(MakeResponse)>;
// An optional second handler that runs on the I/O thread and must never block. Either it takes the
// request, returns true and answers through the Reply exactly once (at once, or later from the thread
// that finished the work, e.g. the database writer after its group commit), or it returns false
// without having answered and the route's ordinary handler runs on its pool instead (e.g. when what
// it needs is not cached). Hot routes use this to skip two thread hand-offs per request. Nothing in
// it may throw once the work that will answer has been started. A handler that took the request may
// still pass it on later: answering with an empty MakeResponse runs the ordinary handler on its pool
// (e.g. when only the database write it started shows that the request needs what the fast path
// does not do).
using FastHandler = std::function<bool(Request&, Reply&)>;

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
  FastHandler fast;  // may be empty
};

class Router {
 public:
  explicit Router(const Clock& clock) : clock_(clock) {}

  void Add(std::string method, std::string pattern, Handler h, RunOn run_on = RunOn::kStorage);
  // Gives the route added last a fast handler (see FastHandler).
  void SetFast(FastHandler fast);
  // Runs before every matched handler (e.g. per-client rate limits); an error answers instead.
  void SetGuard(std::function<Status(const Request&)> guard) { guard_ = std::move(guard); }

  // Finds the route for the request, filling req.params and req.route; nullptr with `status` 404 or
  // 405 (and `allow`) when none matches, or 400 for an unparseable path.
  const Route* Match(Request& req, int& status, std::string& allow) const;

  // Matches, runs the handler and applies the response rules. Never throws.
  Response Dispatch(Request& req) const;
  // Runs `route`'s fast handler on the calling thread. False when it has none or it declined; then
  // `done` is never called and the request goes to Dispatch. Otherwise `done` is called exactly once,
  // possibly later and on another thread, with a function that makes the finished response; the
  // caller runs that on its I/O thread. `req` must outlive it.
  bool TryFast(Request& req, const Route& route, std::function<void(std::function<Response()>)> done) const;
  // The response for a request that has no route (or a preflight), without running a handler.
  Response Finish(const Request& req, Response res) const;

  const std::vector<Route>& routes() const { return routes_; }
  const Clock& clock() const { return clock_; }

 private:
  // Runs the guard once per request.
  Status Admit(Request& req) const;
  // A handler's result as the response the client gets (errors mapped, response rules applied).
  Response Complete(const Request& req, Result<Response> out) const;

  const Clock& clock_;
  std::vector<Route> routes_;
  std::function<Status(const Request&)> guard_;
};

}  // namespace connecthub::http
