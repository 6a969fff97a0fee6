#include "providers/catalog.h"

#include <set>
#include <string>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/categories.h"

namespace connecthub {
namespace {
namespace bj = boost::json;
using ::testing::HasSubstr;

TEST(BundledCatalogTest, LoadsWithEnoughProvidersAndCategories) {
  auto cat = Catalog::LoadBundled();
  ASSERT_TRUE(cat.ok()) << cat.error().message;
  const auto& providers = (*cat)->providers();
  EXPECT_GE(providers.size(), 40u);
  std::set<std::string> categories;
  for (const auto& p : providers) {
    categories.insert(p.category);
    EXPECT_TRUE(IsKnownCategory(p.category)) << p.key;
  }
  EXPECT_GE(categories.size(), 10u);
}

TEST(BundledCatalogTest, HasTheWellKnownProviders) {
  auto cat = Catalog::LoadBundled();
  ASSERT_TRUE(cat.ok()) << cat.error().message;
  for (const char* key : {"bamboohr", "hibob", "personio", "workday", "greenhouse", "lever", "ashby", "workable",
                          "hubspot", "salesforce", "pipedrive", "okta", "jira", "zendesk", "demohris"}) {
    const ProviderDef* p = (*cat)->Find(key);
    ASSERT_NE(p, nullptr) << key;
    EXPECT_EQ(p->key, key);
    EXPECT_FALSE(p->name.empty()) << key;
    EXPECT_FALSE(p->fields.empty()) << key;
  }
  EXPECT_EQ((*cat)->Find("no_such_provider"), nullptr);
  EXPECT_EQ((*cat)->Find(""), nullptr);
}

TEST(BundledCatalogTest, EveryProviderHasABundledLogo) {
  auto cat = Catalog::LoadBundled();
  ASSERT_TRUE(cat.ok()) << cat.error().message;
  for (const auto& p : (*cat)->providers()) {
    const std::string* svg = (*cat)->Logo(p.logo);
    ASSERT_NE(svg, nullptr) << p.key << ": " << p.logo;
    EXPECT_THAT(*svg, HasSubstr("<svg")) << p.logo;
  }
  EXPECT_EQ((*cat)->Logo("nope.svg"), nullptr);
  EXPECT_EQ((*cat)->Logo("providers.json"), nullptr);  // only logos are served as logos
}

TEST(BundledCatalogTest, PatternsCompiledAndSecretsMarked) {
  auto cat = Catalog::LoadBundled();
  ASSERT_TRUE(cat.ok());
  const ProviderDef* bamboo = (*cat)->Find("bamboohr");
  ASSERT_NE(bamboo, nullptr);
  for (const auto& f : bamboo->fields) {
    EXPECT_EQ(f.pattern.empty(), f.regex == nullptr) << f.key;
    if (f.type == "password") {
      EXPECT_TRUE(f.secret) << f.key;
    }
  }
}

// A small valid catalog; tests break one thing in providers[1] ("beta").
bj::object ValidCatalog() {
  return bj::parse(R"({
    "version": 1,
    "providers": [
      {"key": "alpha", "name": "Alpha", "category": "hris", "logo": "alpha.svg",
       "fields": [{"key": "token", "label": "Token", "type": "password", "required": true, "secret": true}]},
      {"key": "beta", "name": "Beta", "category": "crm", "logo": "beta.svg", "description": "d",
       "support_url": "https://beta.example/help",
       "fields": [
         {"key": "subdomain", "label": "Subdomain", "type": "text", "required": true,
          "pattern": "^[a-z]+$", "pattern_error": "letters only"},
         {"key": "api_key", "label": "API key", "type": "password", "required": true, "secret": true},
         {"key": "region", "label": "Region", "type": "select", "options": [{"label": "EU", "value": "eu"}],
          "default": "eu"}
       ],
       "verify": {"method": "GET", "base_url": "https://{subdomain}.beta.example", "path": "/api/me",
                  "auth": {"type": "bearer", "token": "{api_key}"}, "headers": {"Accept": "application/json"},
                  "expect_status": [200, 204]}}
    ]})").as_object();
}

bj::object& Beta(bj::object& cat) { return cat["providers"].as_array()[1].as_object(); }
bj::object& BetaField(bj::object& cat, size_t i) { return Beta(cat)["fields"].as_array()[i].as_object(); }
bj::object& BetaVerify(bj::object& cat) { return Beta(cat)["verify"].as_object(); }

Result<std::shared_ptr<const Catalog>> LoadObj(const bj::object& o) { return Catalog::Load(bj::serialize(o)); }

void ExpectRefused(const bj::object& cat, const std::vector<std::string>& message_parts) {
  auto r = LoadObj(cat);
  ASSERT_FALSE(r.ok()) << "accepted " << bj::serialize(cat);
  EXPECT_EQ(r.code(), ErrorCode::kInvalidArgument);
  for (const auto& part : message_parts) EXPECT_THAT(r.error().message, HasSubstr(part));
}

TEST(CatalogLoadTest, ValidCatalogLoads) {
  auto r = LoadObj(ValidCatalog());
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ((*r)->providers().size(), 2u);
  const ProviderDef* beta = (*r)->Find("beta");
  ASSERT_NE(beta, nullptr);
  EXPECT_EQ(beta->name, "Beta");
  EXPECT_EQ(beta->category, "crm");
  ASSERT_EQ(beta->fields.size(), 3u);
  EXPECT_TRUE(beta->fields[0].required);
  EXPECT_FALSE(beta->fields[0].secret);
  ASSERT_NE(beta->fields[0].regex, nullptr);
  EXPECT_EQ(beta->fields[0].pattern_error, "letters only");
  EXPECT_TRUE(beta->fields[1].secret);
  ASSERT_EQ(beta->fields[2].options.size(), 1u);
  EXPECT_EQ(beta->fields[2].options[0].value, "eu");
  EXPECT_EQ(beta->fields[2].default_value, "eu");
  ASSERT_TRUE(beta->verify.has_value());
  EXPECT_EQ(beta->verify->auth_type, "bearer");
  EXPECT_EQ(beta->verify->auth_token, "{api_key}");
  EXPECT_EQ(beta->verify->expect_status, (std::vector<int>{200, 204}));
  EXPECT_EQ(beta->verify->headers.at("Accept"), "application/json");
  EXPECT_FALSE((*r)->Find("alpha")->verify.has_value());
}

TEST(CatalogLoadTest, UnknownKeyRefused) {
  auto c = ValidCatalog();
  Beta(c)["colour"] = "blue";
  ExpectRefused(c, {"providers[1]", "(beta)", "colour"});
  c = ValidCatalog();
  BetaField(c, 1)["hidden"] = true;
  ExpectRefused(c, {"providers[1]", "(beta)", "fields[1]", "hidden"});
  c = ValidCatalog();
  BetaVerify(c)["timeout"] = 5;
  ExpectRefused(c, {"providers[1]", "(beta)", "verify", "timeout"});
  c = ValidCatalog();
  c["extra"] = 1;
  ExpectRefused(c, {"extra"});
}

TEST(CatalogLoadTest, BadCategoryRefused) {
  auto c = ValidCatalog();
  Beta(c)["category"] = "payroll";
  ExpectRefused(c, {"providers[1]", "(beta)", "payroll"});
}

TEST(CatalogLoadTest, DuplicateProviderKeyRefused) {
  auto c = ValidCatalog();
  Beta(c)["key"] = "alpha";
  ExpectRefused(c, {"providers[1]", "(alpha)", "duplicate"});
}

TEST(CatalogLoadTest, DuplicateFieldRefused) {
  auto c = ValidCatalog();
  BetaField(c, 1)["key"] = "subdomain";
  BetaVerify(c)["auth"] = bj::object{{"type", "none"}};
  ExpectRefused(c, {"providers[1]", "(beta)", "subdomain", "twice"});
}

TEST(CatalogLoadTest, SelectWithoutOptionsRefused) {
  auto c = ValidCatalog();
  BetaField(c, 2).erase("options");
  BetaField(c, 2).erase("default");
  ExpectRefused(c, {"providers[1]", "(beta)", "fields[2]", "options"});
  c = ValidCatalog();
  BetaField(c, 2)["options"] = bj::array{};
  ExpectRefused(c, {"providers[1]", "(beta)", "fields[2]", "options"});
}

TEST(CatalogLoadTest, BadRegexRefused) {
  auto c = ValidCatalog();
  BetaField(c, 0)["pattern"] = "^[a-z+$";
  ExpectRefused(c, {"providers[1]", "(beta)", "fields[0]", "pattern"});
}

// std::regex reads these numbers without an overflow check (undefined behaviour found by
// fuzz_catalog): refused before it sees them; numbers of a sane size still compile.
TEST(CatalogLoadTest, OversizedRegexNumbersRefused) {
  for (const char* bad : {"^[a-z]+\\22222222222222222222222$", "^a{99999}$", "^a{1,123456}$", "^(a)\\12345$"}) {
    auto c = ValidCatalog();
    BetaField(c, 0)["pattern"] = bad;
    ExpectRefused(c, {"providers[1]", "(beta)", "fields[0]", "pattern", "too"});
  }
  for (const char* good : {"^[a-z]{1,40}$", "^(a)\\1$", "^[0-9{}]{4}-123456789$", "^\\\\123456$"}) {
    auto c = ValidCatalog();
    BetaField(c, 0)["pattern"] = good;
    auto loaded = LoadObj(c);
    EXPECT_TRUE(loaded.ok()) << good << ": " << (loaded.ok() ? "" : loaded.error().message);
  }
}

TEST(CatalogLoadTest, TemplateReferringToUnknownFieldRefused) {
  auto c = ValidCatalog();
  BetaVerify(c)["path"] = "/api/{tenant}/me";
  ExpectRefused(c, {"providers[1]", "(beta)", "verify", "tenant"});
  c = ValidCatalog();
  BetaVerify(c)["base_url"] = "https://{sub}.beta.example";
  ExpectRefused(c, {"providers[1]", "(beta)", "sub"});
  c = ValidCatalog();
  BetaVerify(c)["auth"].as_object()["token"] = "{apikey}";
  ExpectRefused(c, {"providers[1]", "(beta)", "apikey"});
  c = ValidCatalog();
  BetaVerify(c)["headers"].as_object()["X-Tenant"] = "{tenant}";
  ExpectRefused(c, {"providers[1]", "(beta)", "tenant"});
  c = ValidCatalog();
  BetaVerify(c)["path"] = "/api/{subdomain";
  ExpectRefused(c, {"providers[1]", "(beta)", "unclosed"});
}

TEST(CatalogLoadTest, BadAuthTypeRefused) {
  auto c = ValidCatalog();
  BetaVerify(c)["auth"] = bj::object{{"type", "oauth2"}};
  ExpectRefused(c, {"providers[1]", "(beta)", "auth", "type"});
  c = ValidCatalog();
  BetaVerify(c)["auth"] = bj::object{{"type", "basic"}};  // basic needs a username
  ExpectRefused(c, {"providers[1]", "(beta)", "username"});
}

TEST(CatalogLoadTest, MissingFieldsRefused) {
  auto c = ValidCatalog();
  Beta(c).erase("fields");
  Beta(c).erase("verify");
  ExpectRefused(c, {"providers[1]", "(beta)", "fields"});
  c = ValidCatalog();
  Beta(c)["fields"] = bj::array{};
  Beta(c).erase("verify");
  ExpectRefused(c, {"providers[1]", "(beta)", "fields"});
}

TEST(CatalogLoadTest, OtherMistakesRefused) {
  auto c = ValidCatalog();
  Beta(c).erase("name");
  ExpectRefused(c, {"providers[1]", "(beta)", "name"});
  c = ValidCatalog();
  BetaField(c, 0)["type"] = "checkbox";
  ExpectRefused(c, {"providers[1]", "(beta)", "fields[0]", "checkbox"});
  c = ValidCatalog();
  BetaVerify(c)["base_url"] = "http://{subdomain}.beta.example";  // not https
  ExpectRefused(c, {"providers[1]", "(beta)", "https"});
  c = ValidCatalog();
  BetaVerify(c)["base_url"] = "{subdomain}";  // a whole-field base_url needs a ^https:// pattern
  ExpectRefused(c, {"providers[1]", "(beta)", "base_url"});
  c = ValidCatalog();
  BetaVerify(c)["method"] = "DELETE";
  ExpectRefused(c, {"providers[1]", "(beta)", "method"});
  c = ValidCatalog();
  BetaVerify(c)["expect_status"] = bj::array{700};
  ExpectRefused(c, {"providers[1]", "(beta)", "expect_status"});
  c = ValidCatalog();
  Beta(c)["key"] = "Beta";
  ExpectRefused(c, {"providers[1]", "(Beta)", "key"});
  ExpectRefused(bj::object{{"providers", 1}}, {"providers"});
  EXPECT_FALSE(Catalog::Load("not json").ok());
  EXPECT_FALSE(Catalog::Load("[]").ok());
}

TEST(CatalogLoadTest, WholeFieldHttpsBaseUrlAccepted) {
  auto c = ValidCatalog();
  BetaField(c, 0)["pattern"] = "^https://[a-z.]+$";
  BetaVerify(c)["base_url"] = "{subdomain}";
  auto r = LoadObj(c);
  ASSERT_TRUE(r.ok()) << r.error().message;
}

TEST(ExpandTemplateTest, WithoutEncoding) {
  std::map<std::string, std::string> v = {{"sub", "acme"}, {"key", "a b/c?d"}};
  EXPECT_EQ(ExpandTemplate("https://{sub}.example.com/{key}", v, false), "https://acme.example.com/a b/c?d");
  EXPECT_EQ(ExpandTemplate("no templates", v, false), "no templates");
  EXPECT_EQ(ExpandTemplate("", v, false), "");
  EXPECT_EQ(ExpandTemplate("{sub}{sub}", v, false), "acmeacme");
  EXPECT_EQ(ExpandTemplate("x{missing}y", v, false), "xy");
  EXPECT_EQ(ExpandTemplate("x{sub", v, false), "x{sub");
}

TEST(ExpandTemplateTest, WithEncoding) {
  std::map<std::string, std::string> v = {{"sub", "acme-1_2.3~"}, {"key", "a b/c?d&e=f#%\xC3\xA9"}};
  EXPECT_EQ(ExpandTemplate("https://{sub}.example.com/{key}", v, true),
            "https://acme-1_2.3~.example.com/a%20b%2Fc%3Fd%26e%3Df%23%25%C3%A9");
  // Only the values are encoded, never the template's own text.
  EXPECT_EQ(ExpandTemplate("/a?b={sub}&c=/", v, true), "/a?b=acme-1_2.3~&c=/");
  // A value that looks like a template is not expanded again.
  std::map<std::string, std::string> loop = {{"a", "{b}"}, {"b", "x"}};
  EXPECT_EQ(ExpandTemplate("{a}", loop, false), "{b}");
  EXPECT_EQ(ExpandTemplate("{a}", loop, true), "%7Bb%7D");
}

}  // namespace
}  // namespace connecthub
