#include "providers/verify.h"

#include <string>

#include <gtest/gtest.h>

#include "crypto/crypto.h"

namespace connecthub {
namespace {

class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(crypto::Init()); }

  static VerifyRequest Get(std::string base_url, std::string path) {
    VerifyRequest v;
    v.method = "GET";
    v.base_url = std::move(base_url);
    v.path = std::move(path);
    return v;
  }

  const std::map<std::string, std::string> creds_ = {
      {"subdomain", "acme"}, {"api_key", "k3y/with+chars"}, {"user", "jo@acme.com"}, {"pass", "p:ss w"}};
};

TEST_F(VerifyTest, BasicAuthHeaderIsBase64OfUserColonPass) {
  VerifyRequest v = Get("https://{subdomain}.example.com", "/v1/me");
  v.auth_type = "basic";
  v.auth_username = "{user}";
  v.auth_password = "{pass}";
  auto r = BuildVerifyRequest(v, creds_, std::nullopt);
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.url, "https://acme.example.com/v1/me");
  EXPECT_EQ(r.headers.at("Authorization"), "Basic " + crypto::Base64Encode("jo@acme.com:p:ss w"));
  EXPECT_EQ(r.headers.at("Authorization"), "Basic am9AYWNtZS5jb206cDpzcyB3");
  EXPECT_TRUE(r.body.empty());
  EXPECT_FALSE(r.headers.count("Content-Type"));
}

TEST_F(VerifyTest, BasicAuthWithLiteralPassword) {
  // BambooHR style: the key is the username, the password any fixed string.
  VerifyRequest v = Get("https://api.example.com", "/meta");
  v.auth_type = "basic";
  v.auth_username = "{api_key}";
  v.auth_password = "x";
  auto r = BuildVerifyRequest(v, creds_, std::nullopt);
  EXPECT_EQ(r.headers.at("Authorization"), "Basic " + crypto::Base64Encode("k3y/with+chars:x"));
}

TEST_F(VerifyTest, BearerAuth) {
  VerifyRequest v = Get("https://api.example.com", "/me");
  v.auth_type = "bearer";
  v.auth_token = "{api_key}";
  auto r = BuildVerifyRequest(v, creds_, std::nullopt);
  EXPECT_EQ(r.headers.at("Authorization"), "Bearer k3y/with+chars");  // headers are not percent-encoded
  EXPECT_EQ(r.url, "https://api.example.com/me");
}

TEST_F(VerifyTest, HeaderAuth) {
  VerifyRequest v = Get("https://api.example.com", "/me");
  v.auth_type = "header";
  v.auth_name = "X-Api-Key";
  v.auth_value = "{api_key}";
  v.headers = {{"Accept", "application/json"}, {"X-Tenant", "{subdomain}"}};
  auto r = BuildVerifyRequest(v, creds_, std::nullopt);
  EXPECT_EQ(r.headers.at("X-Api-Key"), "k3y/with+chars");
  EXPECT_EQ(r.headers.at("Accept"), "application/json");
  EXPECT_EQ(r.headers.at("X-Tenant"), "acme");
  EXPECT_FALSE(r.headers.count("Authorization"));
}

TEST_F(VerifyTest, QueryAuthWithoutExistingQuery) {
  VerifyRequest v = Get("https://api.example.com", "/v2/users");
  v.auth_type = "query";
  v.auth_name = "api_token";
  v.auth_value = "{api_key}";
  auto r = BuildVerifyRequest(v, creds_, std::nullopt);
  EXPECT_EQ(r.url, "https://api.example.com/v2/users?api_token=k3y%2Fwith%2Bchars");
  EXPECT_FALSE(r.headers.count("Authorization"));
}

TEST_F(VerifyTest, QueryAuthWithExistingQuery) {
  VerifyRequest v = Get("https://api.example.com", "/v2/users?limit=1");
  v.auth_type = "query";
  v.auth_name = "api_token";
  v.auth_value = "{api_key}";
  auto r = BuildVerifyRequest(v, creds_, std::nullopt);
  EXPECT_EQ(r.url, "https://api.example.com/v2/users?limit=1&api_token=k3y%2Fwith%2Bchars");
}

TEST_F(VerifyTest, NoAuthAddsNothing) {
  VerifyRequest v = Get("https://api.example.com", "/ping");
  auto r = BuildVerifyRequest(v, creds_, std::nullopt);
  EXPECT_EQ(r.url, "https://api.example.com/ping");
  EXPECT_TRUE(r.headers.empty());
}

TEST_F(VerifyTest, ValuesInUrlArePercentEncoded) {
  VerifyRequest v = Get("https://{subdomain}.example.com", "/users/{user}/keys/{api_key}");
  auto r = BuildVerifyRequest(v, creds_, std::nullopt);
  EXPECT_EQ(r.url, "https://acme.example.com/users/jo%40acme.com/keys/k3y%2Fwith%2Bchars");
  // A value cannot change the host.
  std::map<std::string, std::string> evil = {{"subdomain", "evil.com/x?"}};
  r = BuildVerifyRequest(Get("https://{subdomain}.example.com", "/me"), evil, std::nullopt);
  EXPECT_EQ(r.url, "https://evil.com%2Fx%3F.example.com/me");
}

TEST_F(VerifyTest, BaseUrlOverrideReplacesHost) {
  VerifyRequest v = Get("https://{subdomain}.example.com/api", "/v1/me");
  v.auth_type = "bearer";
  v.auth_token = "{api_key}";
  auto r = BuildVerifyRequest(v, creds_, std::string("http://127.0.0.1:9999/fake"));
  EXPECT_EQ(r.url, "http://127.0.0.1:9999/fake/v1/me");
  EXPECT_EQ(r.headers.at("Authorization"), "Bearer k3y/with+chars");
  // Trailing slashes of the base are dropped so the path joins cleanly.
  r = BuildVerifyRequest(v, creds_, std::string("http://127.0.0.1:9999//"));
  EXPECT_EQ(r.url, "http://127.0.0.1:9999/v1/me");
  // An empty override is no override.
  r = BuildVerifyRequest(v, creds_, std::string());
  EXPECT_EQ(r.url, "https://acme.example.com/api/v1/me");
}

TEST_F(VerifyTest, WholeFieldBaseUrlIsNotEncoded) {
  VerifyRequest v = Get("{scim_url}", "/Users?count=1");
  v.auth_type = "bearer";
  v.auth_token = "{token}";
  std::map<std::string, std::string> c = {{"scim_url", "https://scim.acme.com:8443/scim/v2/"}, {"token", "t"}};
  auto r = BuildVerifyRequest(v, c, std::nullopt);
  EXPECT_EQ(r.url, "https://scim.acme.com:8443/scim/v2/Users?count=1");
  // The override still wins.
  r = BuildVerifyRequest(v, c, std::string("http://localhost:1"));
  EXPECT_EQ(r.url, "http://localhost:1/Users?count=1");
}

TEST_F(VerifyTest, PostBodyGetsJsonContentTypeByDefault) {
  VerifyRequest v = Get("https://api.example.com", "/graphql");
  v.method = "POST";
  v.body = R"({"query":"{ viewer { id } }"})";
  v.auth_type = "bearer";
  v.auth_token = "{api_key}";
  auto r = BuildVerifyRequest(v, creds_, std::nullopt);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.body, v.body);  // sent as written: braces in the body are not templates
  EXPECT_EQ(r.headers.at("Content-Type"), "application/json");

  v.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  r = BuildVerifyRequest(v, creds_, std::nullopt);
  EXPECT_EQ(r.headers.at("Content-Type"), "application/x-www-form-urlencoded");
}

TEST_F(VerifyTest, VerifyAccepted) {
  VerifyRequest v;
  EXPECT_TRUE(VerifyAccepted(v, 200));  // default: 200 only
  EXPECT_FALSE(VerifyAccepted(v, 201));
  EXPECT_FALSE(VerifyAccepted(v, 401));
  v.expect_status = {200, 204, 404};
  EXPECT_TRUE(VerifyAccepted(v, 204));
  EXPECT_TRUE(VerifyAccepted(v, 404));
  EXPECT_FALSE(VerifyAccepted(v, 403));
  EXPECT_FALSE(VerifyAccepted(v, 0));
}

}  // namespace
}  // namespace connecthub
