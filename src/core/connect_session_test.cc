#include "core/connect_session.h"

#include <string>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/json_util.h"

namespace connecthub {
namespace {
namespace bj = boost::json;
using ::testing::HasSubstr;

// The two required fields; tests add or override the rest.
bj::object Minimal() { return bj::object{{"origin_owner_id", "cust-1"}, {"origin_owner_name", "Acme Inc"}}; }

bj::object With(std::string_view key, bj::value v) {
  bj::object o = Minimal();
  o[key] = std::move(v);
  return o;
}

// boost::json::value has no implicit conversion from std::string.
bj::value J(const std::string& s) { return bj::value(bj::string(s)); }

std::string Repeat(std::string_view unit, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += unit;
  return s;
}

// Asserts a 400 whose message names `field`.
void ExpectInvalid(const bj::object& body, std::string_view field) {
  auto r = ParseSessionRequest(body);
  ASSERT_FALSE(r.ok()) << "accepted " << bj::serialize(body);
  EXPECT_EQ(r.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find(field), std::string::npos)
      << "message '" << r.error().message << "' does not name " << field;
}

TEST(ParseSessionRequestTest, MinimalRequestGetsDefaults) {
  auto r = ParseSessionRequest(Minimal());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->origin_owner_id, "cust-1");
  EXPECT_EQ(r->origin_owner_name, "Acme Inc");
  EXPECT_FALSE(r->origin_username.has_value());
  EXPECT_FALSE(r->provider.has_value());
  EXPECT_TRUE(r->categories.empty());
  EXPECT_FALSE(r->account_id.has_value());
  EXPECT_FALSE(r->label.has_value());
  EXPECT_FALSE(r->multiple);
  EXPECT_FALSE(r->metadata_json.has_value());
  EXPECT_EQ(r->expires_in, 1800);
  EXPECT_EQ(r->type, AccountType::kProduction);
}

TEST(ParseSessionRequestTest, EveryField) {
  auto body = json::ParseObject(R"({
    "origin_owner_id": "cust-9", "origin_owner_name": "Globex", "origin_username": "hank",
    "provider": "bamboohr", "categories": ["hris", "ats"], "account_id": "acc_123",
    "label": "Main HRIS", "multiple": true, "metadata": {"team": "people", "n": 3},
    "expires_in": 60, "type": "test"})");
  ASSERT_TRUE(body.ok());
  auto r = ParseSessionRequest(*body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->origin_owner_id, "cust-9");
  EXPECT_EQ(r->origin_owner_name, "Globex");
  EXPECT_EQ(r->origin_username, "hank");
  EXPECT_EQ(r->provider, "bamboohr");
  EXPECT_EQ(r->categories, (std::vector<std::string>{"hris", "ats"}));
  EXPECT_EQ(r->account_id, "acc_123");
  EXPECT_EQ(r->label, "Main HRIS");
  EXPECT_TRUE(r->multiple);
  ASSERT_TRUE(r->metadata_json.has_value());
  EXPECT_EQ(bj::parse(*r->metadata_json), (bj::value{{"team", "people"}, {"n", 3}}));
  EXPECT_EQ(r->expires_in, 60);
  EXPECT_EQ(r->type, AccountType::kTest);
}

TEST(ParseSessionRequestTest, TypeProductionExplicit) {
  auto r = ParseSessionRequest(With("type", "production"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->type, AccountType::kProduction);
  ExpectInvalid(With("type", "staging"), "type");
  ExpectInvalid(With("type", "Production"), "type");
}

TEST(ParseSessionRequestTest, MultipleFalseExplicit) {
  auto r = ParseSessionRequest(With("multiple", false));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->multiple);
}

TEST(ParseSessionRequestTest, NullMeansAbsent) {
  for (const char* field : {"origin_username", "provider", "categories", "category", "account_id", "label",
                            "multiple", "metadata", "expires_in", "type"}) {
    SCOPED_TRACE(field);
    auto r = ParseSessionRequest(With(field, nullptr));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_FALSE(r->origin_username.has_value());
    EXPECT_FALSE(r->provider.has_value());
    EXPECT_TRUE(r->categories.empty());
    EXPECT_FALSE(r->account_id.has_value());
    EXPECT_FALSE(r->label.has_value());
    EXPECT_FALSE(r->multiple);
    EXPECT_FALSE(r->metadata_json.has_value());
    EXPECT_EQ(r->expires_in, kDefaultExpiresIn);
    EXPECT_EQ(r->type, AccountType::kProduction);
  }
}

TEST(ParseSessionRequestTest, NullRequiredFieldIsMissing) {
  ExpectInvalid(With("origin_owner_id", nullptr), "origin_owner_id");
  ExpectInvalid(With("origin_owner_name", nullptr), "origin_owner_name");
}

TEST(ParseSessionRequestTest, RequiredFieldsMissing) {
  bj::object no_id = Minimal();
  no_id.erase("origin_owner_id");
  ExpectInvalid(no_id, "origin_owner_id");
  bj::object no_name = Minimal();
  no_name.erase("origin_owner_name");
  ExpectInvalid(no_name, "origin_owner_name");
  ExpectInvalid(bj::object{}, "origin_owner");
}

TEST(ParseSessionRequestTest, EmptyOrWhitespaceOwnerFieldsFail) {
  for (const char* v : {"", " ", "   ", "\t", "\r\n", " \t\n "}) {
    SCOPED_TRACE(testing::PrintToString(v));
    ExpectInvalid(With("origin_owner_id", v), "origin_owner_id");
    ExpectInvalid(With("origin_owner_name", v), "origin_owner_name");
  }
}

TEST(ParseSessionRequestTest, SingleCategoryFoldedIntoCategories) {
  auto r = ParseSessionRequest(With("category", "crm"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->categories, (std::vector<std::string>{"crm"}));

  bj::object both = With("categories", bj::array{"hris", "ats"});
  both["category"] = "crm";
  r = ParseSessionRequest(both);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->categories, (std::vector<std::string>{"hris", "ats", "crm"}));
}

TEST(ParseSessionRequestTest, DuplicateCategoriesRemoved) {
  bj::object body = With("categories", bj::array{"hris", "ats", "hris", "ats", "hris"});
  body["category"] = "ats";
  auto r = ParseSessionRequest(body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->categories, (std::vector<std::string>{"hris", "ats"}));
}

TEST(ParseSessionRequestTest, UnknownCategoryNamed) {
  ExpectInvalid(With("categories", bj::array{"hris", "payroll"}), "payroll");
  ExpectInvalid(With("category", "astrology"), "astrology");
  ExpectInvalid(With("categories", bj::array{"HRIS"}), "HRIS");  // the list is case-sensitive
}

TEST(ParseSessionRequestTest, UnknownTopLevelFieldNamed) {
  ExpectInvalid(With("origin_owner_idd", "x"), "origin_owner_idd");
  ExpectInvalid(With("providers", "bamboohr"), "providers");
  ExpectInvalid(With("expiresIn", 60), "expiresIn");
}

TEST(ParseSessionRequestTest, StackOneDocumentedFieldsAcceptedAndIgnored) {
  bj::object body = Minimal();
  body["provider_version"] = "2";
  body["integration_id"] = "int_1";
  body["connector_profile_id"] = "cp_1";
  body["shared"] = true;
  body["relink"] = false;
  body["scopes"] = bj::array{"read", "write"};
  auto r = ParseSessionRequest(body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto plain = ParseSessionRequest(Minimal());
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(r->origin_owner_id, plain->origin_owner_id);
  EXPECT_FALSE(r->provider.has_value());
  EXPECT_FALSE(r->account_id.has_value());
  EXPECT_TRUE(r->categories.empty());
  EXPECT_FALSE(r->multiple);
}

TEST(ParseSessionRequestTest, WrongTypesNameTheField) {
  ExpectInvalid(With("origin_owner_id", 42), "origin_owner_id");
  ExpectInvalid(With("origin_owner_name", true), "origin_owner_name");
  ExpectInvalid(With("origin_username", bj::array{"a"}), "origin_username");
  ExpectInvalid(With("provider", 1), "provider");
  ExpectInvalid(With("categories", "hris"), "categories");
  ExpectInvalid(With("categories", bj::array{1}), "categories");
  ExpectInvalid(With("category", bj::array{"hris"}), "category");
  ExpectInvalid(With("account_id", 7), "account_id");
  ExpectInvalid(With("label", bj::object{}), "label");
  ExpectInvalid(With("multiple", "true"), "multiple");
  ExpectInvalid(With("multiple", 1), "multiple");
  ExpectInvalid(With("metadata", "{}"), "metadata");
  ExpectInvalid(With("metadata", bj::array{}), "metadata");
  ExpectInvalid(With("expires_in", "60"), "expires_in");
  ExpectInvalid(With("expires_in", 60.5), "expires_in");
  ExpectInvalid(With("expires_in", true), "expires_in");
  ExpectInvalid(With("type", 1), "type");
}

TEST(ParseSessionRequestTest, IdBoundsCountCodePoints) {
  for (const char* field : {"origin_owner_id", "origin_owner_name", "origin_username", "provider", "account_id"}) {
    SCOPED_TRACE(field);
    for (std::string_view unit : {std::string_view("a"), std::string_view("\xC3\xA9") /* é */,
                                  std::string_view("\xE2\x82\xAC") /* € */,
                                  std::string_view("\xF0\x9F\x98\x80") /* 😀 */}) {
      SCOPED_TRACE(std::string(unit));
      auto ok = ParseSessionRequest(With(field, J(Repeat(unit, 255))));
      EXPECT_TRUE(ok.ok()) << (ok.ok() ? "" : ok.error().message);
      ExpectInvalid(With(field, J(Repeat(unit, 256))), field);
    }
  }
}

TEST(ParseSessionRequestTest, LabelBound) {
  EXPECT_TRUE(ParseSessionRequest(With("label", J(Repeat("\xC3\xA9", 1024)))).ok());
  ExpectInvalid(With("label", J(Repeat("x", 1025))), "label");
}

TEST(ParseSessionRequestTest, MetadataBoundIs16KiBSerialized) {
  // {"k":"<n chars>"} serializes to n + 8 bytes.
  const size_t overhead = std::string(R"({"k":""})").size();
  auto exact = ParseSessionRequest(With("metadata", bj::object{{"k", std::string(16 * 1024 - overhead, 'x')}}));
  ASSERT_TRUE(exact.ok()) << exact.error().message;
  EXPECT_EQ(exact->metadata_json->size(), 16u * 1024u);
  ExpectInvalid(With("metadata", bj::object{{"k", std::string(16 * 1024 - overhead + 1, 'x')}}), "metadata");
}

TEST(ParseSessionRequestTest, ExpiresInBounds) {
  for (int64_t ok : {int64_t{1}, int64_t{1800}, int64_t{2592000}}) {
    auto r = ParseSessionRequest(With("expires_in", ok));
    ASSERT_TRUE(r.ok()) << ok;
    EXPECT_EQ(r->expires_in, ok);
  }
  for (int64_t bad : {int64_t{0}, int64_t{-1}, int64_t{2592001}}) {
    SCOPED_TRACE(bad);
    ExpectInvalid(With("expires_in", bad), "expires_in");
  }
  // A whole number written as a float is a number like any other.
  auto r = ParseSessionRequest(With("expires_in", 60.0));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->expires_in, 60);
}

TEST(ParseSessionRequestTest, NulInStringRefused) {
  ExpectInvalid(With("origin_owner_id", J(std::string("a\0b", 3))), "origin_owner_id");
  ExpectInvalid(With("label", J(std::string("a\0b", 3))), "label");
}

TEST(ParseSessionRequestTest, EmptyAccountIdRefused) { ExpectInvalid(With("account_id", ""), "account_id"); }

TEST(MakeSessionTest, CopiesFieldsAndComputesExpiry) {
  SessionRequest req;
  req.origin_owner_id = "cust-1";
  req.origin_owner_name = "Acme";
  req.origin_username = "wile";
  req.provider = "hibob";
  req.categories = {"hris"};
  req.account_id = "acc_9";
  req.label = "lbl";
  req.multiple = true;
  req.metadata_json = R"({"a":1})";
  req.expires_in = 90;
  req.type = AccountType::kTest;
  Project p;
  p.id = "prj_abc";
  p.organization_id = 42;
  const TimeMs now = 1714564800123;

  ConnectSession s = MakeSession(req, p, "hash-xyz", now);
  EXPECT_EQ(s.project_id, "prj_abc");
  EXPECT_EQ(s.organization_id, 42);
  EXPECT_EQ(s.origin_owner_id, "cust-1");
  EXPECT_EQ(s.origin_owner_name, "Acme");
  EXPECT_EQ(s.origin_username, "wile");
  EXPECT_EQ(s.provider, "hibob");
  EXPECT_EQ(s.categories, (std::vector<std::string>{"hris"}));
  EXPECT_EQ(s.account_id, "acc_9");
  EXPECT_EQ(s.label, "lbl");
  EXPECT_TRUE(s.multiple);
  EXPECT_EQ(s.metadata_json, R"({"a":1})");
  EXPECT_EQ(s.type, AccountType::kTest);
  EXPECT_EQ(s.token_hash, "hash-xyz");
  EXPECT_EQ(s.created_at, now);
  EXPECT_EQ(s.expires_at, now + 90 * 1000);
  EXPECT_FALSE(s.spent_at.has_value());
  EXPECT_FALSE(s.completed_account_id.has_value());
}

TEST(MakeSessionTest, MaxExpiryDoesNotOverflow) {
  SessionRequest req;
  req.origin_owner_id = "o";
  req.origin_owner_name = "n";
  req.expires_in = kMaxExpiresIn;
  ConnectSession s = MakeSession(req, Project{}, "h", 1714564800000);
  EXPECT_EQ(s.expires_at, 1714564800000 + 2592000LL * 1000);
}

TEST(CheckSessionUsableTest, FreshExpiredSpent) {
  ConnectSession s;
  s.created_at = 1000;
  s.expires_at = 5000;
  EXPECT_TRUE(CheckSessionUsable(s, 1000).ok());
  EXPECT_TRUE(CheckSessionUsable(s, 4999).ok());

  auto at = CheckSessionUsable(s, 5000);
  ASSERT_FALSE(at.ok());
  EXPECT_EQ(at.code(), ErrorCode::kUnauthenticated);
  EXPECT_THAT(at.error().message, HasSubstr("expired"));
  EXPECT_EQ(CheckSessionUsable(s, 5001).code(), ErrorCode::kUnauthenticated);

  s.spent_at = 2000;
  auto spent = CheckSessionUsable(s, 3000);
  ASSERT_FALSE(spent.ok());
  EXPECT_EQ(spent.code(), ErrorCode::kUnauthenticated);
  EXPECT_THAT(spent.error().message, HasSubstr("already been used"));
}

}  // namespace
}  // namespace connecthub
