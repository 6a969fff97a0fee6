// What the real server never does on purpose: no answer, odd statuses, broken or oversized bodies,
// connections closed while idle. A scripted server on 127.0.0.1 plays each part.
#include <gtest/gtest.h>

#include <chrono>

#include "connecthub/client.h"
#include "support.h"

namespace connecthub::client {
namespace {

using testing::BlackHole;
using testing::FakeServer;
using testing::HttpAnswer;
using Clock = std::chrono::steady_clock;

const std::string kMetaJson =
    R"({"provider":"demohris","provider_name":"Demo HR","category":"hris","active":true,"models":{}})";

Options To(const FakeServer& s, std::chrono::milliseconds timeout = std::chrono::seconds(3)) {
  return {.base_url = s.url(), .api_key = "sk_test", .timeout = timeout};
}

TEST(Transport, NoAnswerTimesOutWithinTheBudget) {
  BlackHole hole;  // connects, never answers
  Client c({.base_url = "http://127.0.0.1:" + std::to_string(hole.port()), .api_key = "k",
            .timeout = std::chrono::milliseconds(300)});
  const auto t0 = Clock::now();
  auto r = c.ListConnectorsMeta();
  const auto took = Clock::now() - t0;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kTimeout) << r.error().ToString();
  EXPECT_NE(r.error().message.find("300 ms"), std::string::npos) << r.error().message;
  EXPECT_GE(took, std::chrono::milliseconds(280));
  EXPECT_LT(took, std::chrono::milliseconds(1500));
}

TEST(Transport, HeadersButNoBodyTimesOut) {
  FakeServer s([](int, const std::string&) {
    return std::string("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[");
  });
  // The fake writes a partial body and then holds the connection: the whole-call deadline applies.
  auto r = Client(To(s, std::chrono::milliseconds(300))).ListConnectorsMeta();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kTimeout) << r.error().ToString();
}

TEST(Transport, KeepAliveConnectionsAreReused) {
  FakeServer s([](int, const std::string&) { return HttpAnswer(200, "application/json", kMetaJson); });
  Client c(To(s));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c.GetConnectorMeta("demohris").ok());
  EXPECT_EQ(s.requests(), 5);
  EXPECT_EQ(s.connections(), 1);
}

TEST(Transport, NoPoolMeansOneConnectionPerCall) {
  FakeServer s([](int, const std::string&) { return HttpAnswer(200, "application/json", kMetaJson); });
  Options o = To(s);
  o.max_idle_connections = 0;
  Client c(o);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.GetConnectorMeta("demohris").ok());
  EXPECT_EQ(s.connections(), 3);
}

TEST(Transport, AConnectionClosedWhileIdleIsReplacedTransparently) {
  // Answers with keep-alive but then closes: the next call finds a dead pooled connection.
  FakeServer s([](int, const std::string&) { return HttpAnswer(200, "application/json", kMetaJson); },
               /*close_after=*/true);
  Client c(To(s));
  for (int i = 0; i < 4; ++i) {
    auto r = c.GetConnectorMeta("demohris");
    ASSERT_TRUE(r.ok()) << i << ": " << r.error().ToString();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let the close arrive
  }
  EXPECT_EQ(s.requests(), 4);
  EXPECT_EQ(s.connections(), 4) << "each call after the first found its pooled connection closed";
}

TEST(Transport, SendsBasicAuthJsonAndUserAgent) {
  std::string seen;
  FakeServer s([&](int, const std::string& head) {
    seen = head;
    return HttpAnswer(201, "application/json",
                      R"({"id":1,"organization_id":2,"project_id":"p","origin_owner_id":"o","origin_owner_name":"O",)"
                      R"("created_at":"2024-01-01T00:00:00Z","token":"t","auth_link_url":"u"})");
  });
  auto r = Client({.base_url = s.url() + "/prefix/", .api_key = "sk_test_key", .user_agent = "my-backend/1.0"})
               .CreateSession({.origin_owner_id = "o", .origin_owner_name = "O"});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(seen.rfind("POST /prefix/connect_sessions HTTP/1.1\r\n", 0), 0u) << seen;
  EXPECT_NE(seen.find("Authorization: Basic c2tfdGVzdF9rZXk6\r\n"), std::string::npos) << seen;  // "sk_test_key:"
  EXPECT_NE(seen.find("Content-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(seen.find("Accept: application/json\r\n"), std::string::npos);
  EXPECT_NE(seen.find("User-Agent: my-backend/1.0\r\n"), std::string::npos);
  EXPECT_NE(seen.find("Host: 127.0.0.1:" + std::to_string(s.port()) + "\r\n"), std::string::npos);
}

TEST(Transport, ListQueryUsesRepeatedKeysAndEncodesValues) {
  std::string seen;
  FakeServer s([&](int, const std::string& head) {
    seen = head.substr(0, head.find("\r\n"));
    return HttpAnswer(200, "application/json", "[]");
  });
  auto r = Client(To(s)).ListAccounts({.page = 2, .page_size = 10, .providers = {"a", "b"},
                                       .origin_owner_ids = {"x y&z"}, .statuses = {"active"}});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(seen, "GET /accounts?page=2&page_size=10&providers=a&providers=b&origin_owner_ids=x%20y%26z&status=active HTTP/1.1");
}

TEST(Transport, ErrorWithoutJsonBodyStillGivesTheStatus) {
  FakeServer s([](int, const std::string&) {
    return HttpAnswer(502, "text/html", "<html><body>Bad gateway</body></html>");
  });
  auto r = Client(To(s)).ListAccounts();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kApi);
  EXPECT_EQ(r.error().status, 502);
  EXPECT_TRUE(r.error().IsRetryable());
  EXPECT_NE(r.error().message.find("502"), std::string::npos);
  EXPECT_NE(r.error().body.find("Bad gateway"), std::string::npos);
}

TEST(Transport, RateLimitedCarriesRetryAfter) {
  FakeServer s([](int, const std::string&) {
    return HttpAnswer(429, "application/json",
                      R"({"statusCode":429,"message":"Too many requests","timestamp":"2024-01-01T00:00:00.000Z"})",
                      "Retry-After: 7\r\n");
  });
  auto r = Client(To(s)).ListAccounts();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 429);
  EXPECT_EQ(r.error().message, "Too many requests");
  EXPECT_EQ(r.error().timestamp, "2024-01-01T00:00:00.000Z");
  EXPECT_EQ(r.error().retry_after, std::chrono::seconds(7));
  EXPECT_TRUE(r.error().IsRetryable());
}

TEST(Transport, UnexpectedSuccessStatusIsABadResponse) {
  FakeServer s([](int, const std::string&) { return HttpAnswer(204, "", ""); });
  auto r = Client(To(s)).DeleteAccount("a1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kBadResponse);
  EXPECT_EQ(r.error().status, 204);
  EXPECT_NE(r.error().message.find("expected 200"), std::string::npos) << r.error().message;
}

TEST(Transport, RedirectsAreNotFollowed) {
  FakeServer s([](int, const std::string&) { return HttpAnswer(302, "", "", "Location: http://example.com/\r\n"); });
  auto r = Client(To(s)).ListAccounts();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kBadResponse);
  EXPECT_EQ(r.error().status, 302);
  EXPECT_EQ(s.requests(), 1);
}

TEST(Transport, NotJsonOrWrongShapeIsABadResponse) {
  struct Case {
    std::string content_type, body, mentions;
  };
  for (const auto& tc : std::vector<Case>{
           {"text/plain", "[]", "Content-Type"},
           {"application/json", "[", "invalid JSON"},
           {"application/json", "{}", "not an array"},
           {"application/json", R"([{"provider":"x","provider_name":"X","category":"hris","active":"yes"}])", "'active'"},
           {"application/json", R"([{"provider_name":"X","category":"hris"}])", "'provider'"},
       }) {
    FakeServer s([&](int, const std::string&) { return HttpAnswer(200, tc.content_type, tc.body); });
    auto r = Client(To(s)).ListConnectorsMeta();
    ASSERT_FALSE(r.ok()) << tc.body;
    EXPECT_EQ(r.error().kind, ErrorKind::kBadResponse) << r.error().ToString();
    EXPECT_NE(r.error().message.find(tc.mentions), std::string::npos) << r.error().message;
  }
}

TEST(Transport, OversizedResponseIsABadResponse) {
  FakeServer s([](int, const std::string&) { return HttpAnswer(200, "application/json", "[" + std::string(5000, ' ') + "]"); });
  Options o = To(s);
  o.max_response_bytes = 1024;
  auto r = Client(o).ListConnectorsMeta();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kBadResponse);
  EXPECT_NE(r.error().message.find("1024"), std::string::npos) << r.error().message;
}

TEST(Transport, GarbageInsteadOfHttpIsABadResponse) {
  FakeServer s([](int, const std::string&) { return std::string("SSH-2.0-OpenSSH_9.2\r\n\r\n"); }, true);
  auto r = Client(To(s)).ListConnectorsMeta();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kBadResponse) << r.error().ToString();
}

TEST(Transport, MovedClientKeepsWorking) {
  FakeServer s([](int, const std::string&) { return HttpAnswer(200, "application/json", kMetaJson); });
  Client a(To(s));
  Client b = std::move(a);
  EXPECT_TRUE(b.GetConnectorMeta("demohris").ok());
  EXPECT_EQ(b.options().base_url, s.url());
}

}  // namespace
}  // namespace connecthub::client
