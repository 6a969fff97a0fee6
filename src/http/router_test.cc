#include "http/router.h"

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "http/error_mapping.h"

namespace connecthub::http {
namespace {
namespace bj = boost::json;
using ::testing::HasSubstr;
using ::testing::Not;

class FakeClock final : public Clock {
 public:
  TimeMs NowMs() const override { return now; }
  TimeMs now = 1714564800123;  // 2024-05-01T12:00:00.123Z
};

Request Req(std::string method, std::string target) {
  Request r;
  r.method = std::move(method);
  r.target = target;
  r.path = target.substr(0, target.find('?'));
  r.request_id = "req-1";
  return r;
}

std::optional<std::string> HeaderOf(const Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return std::nullopt;
}

bj::object BodyOf(const Response& r) { return bj::parse(r.body).as_object(); }

Response Text(std::string body) {
  Response r;
  r.content_type = "text/plain";
  r.body = std::move(body);
  return r;
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() : router_(clock_) {
    router_.Add("GET", "/accounts", [this](Request& req) -> Result<Response> {
      ++calls_;
      last_ = req;
      return Text("list");
    });
    router_.Add("GET", "/accounts/{id}", [this](Request& req) -> Result<Response> {
      ++calls_;
      last_ = req;
      return Text("get " + std::string(req.Param("id")));
    });
    router_.Add("PATCH", "/accounts/{id}", [](Request& req) -> Result<Response> { return Text("patch"); });
    router_.Add("DELETE", "/accounts/{id}", [](Request& req) -> Result<Response> { return Text("delete"); });
    router_.Add("GET", "/accounts/{id}/meta", [](Request& req) -> Result<Response> {
      return Text("meta " + std::string(req.Param("id")));
    });
    router_.Add("GET", "/hub/settings", [](Request&) -> Result<Response> { return JsonResponse(200, bj::object{{"ok", true}}); });
    router_.Add("POST", "/hub/accounts", [](Request&) -> Result<Response> { return JsonResponse(201, bj::object{}); });
    router_.Add("GET", "/fail/{code}", [](Request& req) -> Result<Response> {
      return MakeError(static_cast<ErrorCode>(std::stoi(std::string(req.Param("code")))), "detail: secret-ish text");
    });
    router_.Add("GET", "/hub/fail", [](Request&) -> Result<Response> { return NotFound("no such account"); });
    router_.Add("GET", "/throw", [](Request&) -> Result<Response> {
      throw std::runtime_error("database password=hunter2 leaked");
    });
    router_.Add("GET", "/hub/throw", [](Request&) -> Result<Response> { throw std::logic_error("boom"); });
  }

  Response Go(std::string method, std::string target) {
    Request r = Req(std::move(method), std::move(target));
    return router_.Dispatch(r);
  }

  void ExpectErrorBody(const Response& r, int status) {
    EXPECT_EQ(r.status, status);
    EXPECT_EQ(r.content_type, "application/json");
    bj::object b = BodyOf(r);
    ASSERT_TRUE(b.contains("statusCode"));
    EXPECT_EQ(b.at("statusCode").as_int64(), status);
    ASSERT_TRUE(b.contains("message") && b.at("message").is_string());
    EXPECT_FALSE(b.at("message").as_string().empty());
    ASSERT_TRUE(b.contains("timestamp"));
    EXPECT_EQ(b.at("timestamp").as_string(), "2024-05-01T12:00:00.123Z");
  }

  FakeClock clock_;
  Router router_;
  int calls_ = 0;
  Request last_;
};

TEST_F(RouterTest, ExactMatch) {
  Response r = Go("GET", "/accounts");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "list");
  EXPECT_EQ(calls_, 1);
  EXPECT_EQ(last_.route, "/accounts");
  EXPECT_TRUE(last_.params.empty());
  // A trailing slash is the same path.
  EXPECT_EQ(Go("GET", "/accounts/").body, "list");
}

TEST_F(RouterTest, ParamExtractionIsPercentDecoded) {
  Response r = Go("GET", "/accounts/acc_1");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "get acc_1");
  EXPECT_EQ(last_.route, "/accounts/{id}");
  EXPECT_EQ(last_.params.at("id"), "acc_1");

  r = Go("GET", "/accounts/a%2Fb%20c");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "get a/b c");
  EXPECT_EQ(last_.params.at("id"), "a/b c");

  EXPECT_EQ(Go("GET", "/accounts/x%2Fy/meta").body, "meta x/y");
}

TEST_F(RouterTest, QueryParsedAndPassedToHandler) {
  Response r = Go("GET", "/accounts?provider=a&provider=b+c");
  EXPECT_EQ(r.status, 200);
  QueryParams want = {{"provider", "a"}, {"provider", "b c"}};
  EXPECT_EQ(last_.query, want);
}

TEST_F(RouterTest, UnknownPathIs404Json) {
  for (const char* target : {"/nope", "/accounts/a/b/c", "/", "/accounts//meta"}) {
    SCOPED_TRACE(target);
    Response r = Go("GET", target);
    ExpectErrorBody(r, 404);
    EXPECT_EQ(calls_, 0);
  }
}

TEST_F(RouterTest, WrongMethodIs405WithAllow) {
  Response r = Go("POST", "/accounts/acc_1");
  ExpectErrorBody(r, 405);
  auto allow = HeaderOf(r, "Allow");
  ASSERT_TRUE(allow.has_value());
  EXPECT_THAT(*allow, HasSubstr("GET"));
  EXPECT_THAT(*allow, HasSubstr("PATCH"));
  EXPECT_THAT(*allow, HasSubstr("DELETE"));
  EXPECT_THAT(*allow, Not(HasSubstr("POST")));

  r = Go("DELETE", "/accounts");
  ExpectErrorBody(r, 405);
  EXPECT_EQ(HeaderOf(r, "Allow"), "GET");
  EXPECT_EQ(calls_, 0);
}

TEST_F(RouterTest, HeadServedByGetRoute) {
  Response r = Go("HEAD", "/accounts/acc_9");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(calls_, 1);
  EXPECT_EQ(last_.params.at("id"), "acc_9");
  // HEAD on a path with no GET route is 405, not a match.
  ExpectErrorBody(Go("HEAD", "/hub/accounts"), 405);
}

TEST_F(RouterTest, HubPreflightIs204WithCors) {
  for (const char* target : {"/hub/x", "/hub/settings", "/hub/accounts/acc_1?x=1"}) {
    SCOPED_TRACE(target);
    Response r = Go("OPTIONS", target);
    EXPECT_EQ(r.status, 204);
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(HeaderOf(r, "Access-Control-Allow-Origin"), "*");
    auto methods = HeaderOf(r, "Access-Control-Allow-Methods");
    ASSERT_TRUE(methods.has_value());
    EXPECT_THAT(*methods, HasSubstr("POST"));
    EXPECT_THAT(*methods, HasSubstr("PATCH"));
    auto headers = HeaderOf(r, "Access-Control-Allow-Headers");
    ASSERT_TRUE(headers.has_value());
    EXPECT_THAT(*headers, HasSubstr("x-hub-session-token"));
    EXPECT_THAT(*headers, HasSubstr("content-type"));
    EXPECT_EQ(HeaderOf(r, "Access-Control-Expose-Headers"), "Retry-After");
  }
  // OPTIONS outside the hub is not a preflight.
  Response r = Go("OPTIONS", "/accounts");
  EXPECT_EQ(r.status, 405);
  EXPECT_FALSE(HeaderOf(r, "Access-Control-Allow-Origin").has_value());
}

TEST_F(RouterTest, CorsOnlyOnHubResponses) {
  for (const char* target : {"/hub/settings", "/hub/nope", "/hub/fail", "/hub/throw", "/hub"}) {
    SCOPED_TRACE(target);
    Response r = Go("GET", target);
    EXPECT_EQ(HeaderOf(r, "Access-Control-Allow-Origin"), "*");
  }
  EXPECT_EQ(Go("GET", "/hub/settings").status, 200);
  EXPECT_EQ(Go("GET", "/hub/fail").status, 404);
  for (const char* target : {"/accounts", "/accounts/acc_1", "/nope", "/hubx", "/fail/3", "/throw", "/x/hub/settings"}) {
    SCOPED_TRACE(target);
    Response r = Go("GET", target);
    EXPECT_FALSE(HeaderOf(r, "Access-Control-Allow-Origin").has_value());
    EXPECT_FALSE(HeaderOf(r, "Access-Control-Allow-Methods").has_value());
  }
}

TEST_F(RouterTest, SecurityHeadersOnEveryResponse) {
  for (const char* target : {"/accounts", "/nope", "/hub/settings"}) {
    Response r = Go("GET", target);
    EXPECT_EQ(HeaderOf(r, "X-Content-Type-Options"), "nosniff") << target;
    EXPECT_EQ(HeaderOf(r, "X-Request-Id"), "req-1") << target;
  }
  EXPECT_EQ(HeaderOf(Go("GET", "/nope"), "Cache-Control"), "no-store");
}

struct CodeStatus {
  ErrorCode code;
  int status;
};

TEST_F(RouterTest, HandlerErrorsMapToTheirStatus) {
  const std::vector<CodeStatus> all = {
      {ErrorCode::kInvalidArgument, 400}, {ErrorCode::kUnauthenticated, 401}, {ErrorCode::kPermissionDenied, 403},
      {ErrorCode::kNotFound, 404},        {ErrorCode::kMethodNotAllowed, 405}, {ErrorCode::kConflict, 409},
      {ErrorCode::kPayloadTooLarge, 413}, {ErrorCode::kUnsupportedMediaType, 415}, {ErrorCode::kUnprocessable, 422},
      {ErrorCode::kRateLimited, 429},     {ErrorCode::kUnavailable, 503},      {ErrorCode::kInternal, 500}};
  ASSERT_EQ(all.size(), static_cast<size_t>(ErrorCode::kInternal) + 1) << "a new ErrorCode needs a row here";
  for (const auto& [code, status] : all) {
    SCOPED_TRACE(status);
    EXPECT_EQ(HttpStatusFor(code), status);
    Response r = Go("GET", "/fail/" + std::to_string(static_cast<int>(code)));
    ExpectErrorBody(r, status);
    const std::string message(BodyOf(r).at("message").as_string());
    if (status == 500) {
      EXPECT_EQ(message, "Internal server error");
    } else {
      EXPECT_EQ(message, "detail: secret-ish text");
    }
    // Retryable statuses tell the client when; the others must not invite a retry.
    if (status == 503 || status == 429) EXPECT_EQ(HeaderOf(r, "Retry-After"), "1");
    else EXPECT_FALSE(HeaderOf(r, "Retry-After").has_value());
  }
}

TEST_F(RouterTest, ErrorExtraFieldsMergedIntoBody) {
  Router router(clock_);
  router.Add("POST", "/x", [](Request&) -> Result<Response> {
    Error e = MakeError(ErrorCode::kUnprocessable, "provider refused");
    e.extra["provider_response"] = bj::object{{"status", 401}};
    return e;
  });
  Request req = Req("POST", "/x");
  Response r = router.Dispatch(req);
  ExpectErrorBody(r, 422);
  EXPECT_EQ(BodyOf(r).at("provider_response"), (bj::value{{"status", 401}}));
}

TEST_F(RouterTest, ThrowingHandlerIs500WithoutLeakingText) {
  Response r = Go("GET", "/throw");
  ExpectErrorBody(r, 500);
  EXPECT_EQ(BodyOf(r).at("message").as_string(), "Internal server error");
  EXPECT_THAT(r.body, Not(HasSubstr("hunter2")));
  EXPECT_THAT(r.body, Not(HasSubstr("database")));
  r = Go("GET", "/hub/throw");
  ExpectErrorBody(r, 500);
  EXPECT_THAT(r.body, Not(HasSubstr("boom")));
}

TEST_F(RouterTest, MalformedQueryIs400) {
  Response r = Go("GET", "/accounts?provider=%zz");
  ExpectErrorBody(r, 400);
  EXPECT_EQ(calls_, 0);
  r = Go("GET", "/accounts?a=%00");
  ExpectErrorBody(r, 400);
  std::string many = "/accounts?";
  for (int i = 0; i < 1001; ++i) many += "k=v&";
  ExpectErrorBody(Go("GET", many), 400);
  EXPECT_EQ(calls_, 0);
}

TEST_F(RouterTest, MalformedPathIs400) {
  Response r = Go("GET", "/accounts/%zz");
  ExpectErrorBody(r, 400);
  ExpectErrorBody(Go("GET", "/accounts/%00"), 400);
  EXPECT_EQ(calls_, 0);
}

TEST_F(RouterTest, MatchReportsStatusWithoutRunningHandlers) {
  int status = 0;
  std::string allow;
  Request ok = Req("GET", "/accounts/acc_1/meta");
  const Route* route = router_.Match(ok, status, allow);
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->pattern, "/accounts/{id}/meta");
  EXPECT_EQ(ok.params.at("id"), "acc_1");
  EXPECT_EQ(calls_, 0);

  Request missing = Req("GET", "/zzz");
  EXPECT_EQ(router_.Match(missing, status, allow), nullptr);
  EXPECT_EQ(status, 404);
  Request wrong = Req("PUT", "/accounts");
  allow.clear();
  EXPECT_EQ(router_.Match(wrong, status, allow), nullptr);
  EXPECT_EQ(status, 405);
  EXPECT_EQ(allow, "GET");
}


// Fast handlers: a decline at once, an answer (rendered by the function handed over, with the usual
// response rules), and a request taken and passed on later, which reaches the ordinary handler with
// the guard charged once in all.
TEST(RouterFastTest, AnswersDeclinesAndPassesOnWithTheGuardChargedOnce) {
  FakeClock clock;
  Router router(clock);
  int guard_calls = 0;
  int ordinary_calls = 0;
  std::string mode;
  Reply held;
  router.SetGuard([&](const Request&) {
    ++guard_calls;
    return OkStatus();
  });
  router.Add("POST", "/hub/accounts", [&](Request&) -> Result<Response> {
    ++ordinary_calls;
    return JsonResponse(201, bj::object{{"via", "ordinary"}});
  });
  router.SetFast([&](Request&, Reply& reply) -> bool {
    if (mode == "decline") return false;
    if (mode == "answer") {
      reply([]() -> Result<Response> { return JsonResponse(201, bj::object{{"via", "fast"}}); });
      return true;
    }
    held = reply;  // answered later, from "another thread"
    return true;
  });
  auto run = [&](Request& req, std::optional<std::function<Response()>>& out) {
    int status = 0;
    std::string allow;
    const Route* route = router.Match(req, status, allow);
    EXPECT_NE(route, nullptr);
    return router.TryFast(req, *route, [&](std::function<Response()> make) { out = std::move(make); });
  };

  mode = "decline";
  Request a = Req("POST", "/hub/accounts");
  std::optional<std::function<Response()>> out_a;
  EXPECT_FALSE(run(a, out_a));
  EXPECT_FALSE(out_a.has_value());
  EXPECT_EQ(router.Dispatch(a).status, 201);
  EXPECT_EQ(guard_calls, 1);
  EXPECT_EQ(ordinary_calls, 1);

  mode = "answer";
  Request b = Req("POST", "/hub/accounts");
  std::optional<std::function<Response()>> out_b;
  EXPECT_TRUE(run(b, out_b));
  ASSERT_TRUE(out_b.has_value() && *out_b);
  Response rb = (*out_b)();
  EXPECT_EQ(rb.status, 201);
  EXPECT_EQ(BodyOf(rb).at("via").as_string(), "fast");
  EXPECT_TRUE(HeaderOf(rb, "Access-Control-Allow-Origin").has_value()) << "the response rules apply";
  EXPECT_EQ(guard_calls, 2);
  EXPECT_EQ(ordinary_calls, 1);

  mode = "hold";
  Request c = Req("POST", "/hub/accounts");
  std::optional<std::function<Response()>> out_c;
  EXPECT_TRUE(run(c, out_c));
  EXPECT_FALSE(out_c.has_value()) << "not answered yet";
  held(nullptr);  // passed on
  ASSERT_TRUE(out_c.has_value());
  EXPECT_FALSE(*out_c) << "an empty function: the caller dispatches to the ordinary handler";
  EXPECT_EQ(router.Dispatch(c).status, 201);
  EXPECT_EQ(ordinary_calls, 2);
  EXPECT_EQ(guard_calls, 3) << "the request passed on was admitted once";
}

}  // namespace
}  // namespace connecthub::http
