// The example's own rules, without a connecthub server: the owner never comes from the browser,
// the seed's 500 text when connecthub cannot be reached, sign-in, CSP and cross-origin refusal.
// (tests/browser/quickstart.test.mjs runs it end to end against the real server in Chromium.)
#include <gtest/gtest.h>

#include <map>
#include <set>

#include <boost/json.hpp>

#include "app.h"

namespace example {
namespace {

namespace json = boost::json;

TEST(ConnectBody, ReadsOnlyTheSeedsTwoFields) {
  auto b = ParseConnectBody(
      R"({"originUsername":"jane@acme.test","provider":"demohris","origin_owner_id":"evil","origin_owner_name":"Evil",)"
      R"("metadata":{"source":"browser"}})");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->origin_username, "jane@acme.test");
  EXPECT_EQ(b->provider, "demohris");
}

TEST(ConnectBody, NullAndAbsentMeanNotGiven) {
  auto b = ParseConnectBody(R"({"originUsername":"x","provider":null})");
  ASSERT_TRUE(b.has_value());
  EXPECT_FALSE(b->provider.has_value());
  auto empty = ParseConnectBody("{}");
  ASSERT_TRUE(empty.has_value());
  EXPECT_FALSE(empty->origin_username.has_value());
}

TEST(ConnectBody, RejectsWhatIsNotAnObjectOfStrings) {
  for (const char* bad : {"", "[]", "\"x\"", "{", R"({"provider":1})", R"({"originUsername":{"a":1}})"}) {
    EXPECT_FALSE(ParseConnectBody(bad).has_value()) << bad;
  }
}

TEST(SessionRequestFor, OwnerComesFromTheSignedInUsersOrganization) {
  const DemoUser& jane = DemoUsers().front();
  auto body = ParseConnectBody(R"({"originUsername":"jane@acme.test","provider":"demohris","origin_owner_id":"evil"})");
  auto r = SessionRequestFor(jane, *body);
  EXPECT_EQ(r.origin_owner_id, jane.organization.id);
  EXPECT_EQ(r.origin_owner_name, jane.organization.name);
  EXPECT_EQ(r.origin_username, "jane@acme.test");
  EXPECT_EQ(r.provider, "demohris");
  ASSERT_TRUE(r.metadata_json.has_value());
  EXPECT_EQ(json::parse(*r.metadata_json), json::parse(R"({"source":"my-backend"})"));
  EXPECT_FALSE(r.multiple);
  EXPECT_FALSE(r.account_id.has_value());
}

TEST(DemoUsers, TwoOrganizations) {
  std::set<std::string> orgs;
  for (const auto& u : DemoUsers()) orgs.insert(u.organization.id);
  EXPECT_EQ(orgs.size(), 2u);
}

// An App whose connecthub is unreachable (nothing listens on port 9 of 127.0.0.1).
class AppTest : public ::testing::Test {
 protected:
  AppTest()
      : client_({.base_url = "http://127.0.0.1:9", .api_key = "sk_test", .timeout = std::chrono::seconds(2)}),
        app_(client_, {.connecthub_public_url = "http://127.0.0.1:8080/", .public_dir = EXAMPLE_BACKEND_PUBLIC_DIR}) {}

  HttpResponse Call(const std::string& method, const std::string& path, const std::string& body = "",
                    std::map<std::string, std::string> headers = {}) {
    HttpRequest req{.method = method, .path = path, .headers = std::move(headers), .body = body};
    req.headers.emplace("host", "127.0.0.1:3000");
    if (!body.empty()) req.headers.emplace("content-type", "application/json");
    if (!cookie_.empty()) req.headers.emplace("cookie", "other=1; " + cookie_);
    return app_.Handle(req);
  }

  void SignIn(const std::string& email) {
    auto res = Call("POST", "/api/login", json::serialize(json::object{{"email", email}}));
    ASSERT_EQ(res.status, 200) << res.body;
    for (const auto& [k, v] : res.headers) {
      if (k == "Set-Cookie") cookie_ = v.substr(0, v.find(';'));
    }
    ASSERT_FALSE(cookie_.empty());
  }

  static std::string HeaderOf(const HttpResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return {};
  }

  connecthub::Client client_;
  App app_;
  std::string cookie_;
};

TEST_F(AppTest, TheEndpointNeedsASignedInUser) {
  auto res = Call("POST", "/stackone_connect_sessions", R"({"originUsername":"x","provider":"demohris"})");
  EXPECT_EQ(res.status, 401);
  EXPECT_EQ(Call("GET", "/api/accounts").status, 401);
  EXPECT_EQ(Call("GET", "/api/me").status, 401);
}

TEST_F(AppTest, SignInSetsAStrictHttpOnlyCookie) {
  auto res = Call("POST", "/api/login", R"({"email":"kim@globex.test"})");
  ASSERT_EQ(res.status, 200);
  const std::string cookie = HeaderOf(res, "Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  SignIn("kim@globex.test");
  auto me = Call("GET", "/api/me");
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(json::parse(me.body).at("organization").at("id"), "customer-456");
  EXPECT_EQ(Call("POST", "/api/login", R"({"email":"nobody@example.com"})").status, 400);
  EXPECT_EQ(Call("POST", "/api/logout", "{}").status, 200);
}

TEST_F(AppTest, SignOutForgetsTheSession) {
  SignIn("jane@acme.test");
  ASSERT_EQ(Call("GET", "/api/me").status, 200);
  ASSERT_EQ(Call("POST", "/api/logout", "{}").status, 200);
  EXPECT_EQ(Call("GET", "/api/me").status, 401);
}

TEST_F(AppTest, ConnecthubUnreachableGivesTheSeeds500) {
  SignIn("jane@acme.test");
  auto res = Call("POST", "/stackone_connect_sessions", R"({"originUsername":"jane@acme.test","provider":"demohris"})");
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(res.body, "error when trying to fetch session");
  EXPECT_EQ(res.content_type.rfind("text/plain", 0), 0u);
  EXPECT_EQ(res.body.find("sk_test"), std::string::npos);
}

TEST_F(AppTest, BadBodiesAreRefusedBeforeCallingConnecthub) {
  SignIn("jane@acme.test");
  EXPECT_EQ(Call("POST", "/stackone_connect_sessions", "not json").status, 400);
  EXPECT_EQ(Call("POST", "/stackone_connect_sessions", R"({"provider":5})").status, 400);
  HttpRequest form{.method = "POST", .path = "/stackone_connect_sessions",
                   .headers = {{"host", "127.0.0.1:3000"}, {"content-type", "application/x-www-form-urlencoded"},
                               {"cookie", cookie_}},
                   .body = "provider=demohris"};
  EXPECT_EQ(app_.Handle(form).status, 415);
}

TEST_F(AppTest, CrossOriginPostsAreRefused) {
  SignIn("jane@acme.test");
  auto res = Call("POST", "/stackone_connect_sessions", R"({"provider":"demohris"})", {{"origin", "https://evil.example"}});
  EXPECT_EQ(res.status, 403);
  auto same = Call("POST", "/stackone_connect_sessions", R"({"provider":"demohris"})", {{"origin", "http://127.0.0.1:3000"}});
  EXPECT_EQ(same.status, 500) << "same origin passes the check (and then finds connecthub down)";
}

TEST_F(AppTest, ThePageAllowsExactlyTheHubForScriptsAndFrames) {
  auto res = Call("GET", "/");
  ASSERT_EQ(res.status, 200);
  EXPECT_NE(res.body.find(R"(src="http://127.0.0.1:8080/connect.js")"), std::string::npos);
  EXPECT_EQ(res.body.find("%CONNECTHUB_URL%"), std::string::npos);
  const std::string csp = HeaderOf(res, "Content-Security-Policy");
  EXPECT_NE(csp.find("script-src 'self' http://127.0.0.1:8080;"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-src http://127.0.0.1:8080;"), std::string::npos) << csp;
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
  EXPECT_EQ(Call("GET", "/app.js").status, 200);
  EXPECT_EQ(Call("GET", "/app.css").status, 200);
  EXPECT_EQ(Call("GET", "/../CMakeLists.txt").status, 404);
}

}  // namespace
}  // namespace example
