#include "core/credentials.h"

#include <memory>
#include <regex>
#include <string>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace connecthub {
namespace {
namespace bj = boost::json;
using ::testing::HasSubstr;
using ::testing::Not;

FieldDef Field(std::string key, std::string label, std::string type, bool required, bool secret = false) {
  FieldDef f;
  f.key = std::move(key);
  f.label = std::move(label);
  f.type = std::move(type);
  f.required = required;
  f.secret = secret;
  return f;
}

// A hand-built provider with one field of each kind.
ProviderDef TestProvider() {
  ProviderDef p;
  p.key = "testhr";
  p.name = "Test HR";
  p.category = "hris";
  FieldDef sub = Field("subdomain", "Company subdomain", "text", true);
  sub.pattern = "^[a-z0-9-]+$";
  sub.pattern_error = "use lowercase letters, digits and dashes";
  sub.regex = std::make_shared<const std::regex>(sub.pattern, std::regex::ECMAScript);
  p.fields.push_back(sub);
  p.fields.push_back(Field("api_key", "API key", "password", true, true));
  p.fields.push_back(Field("company_id", "Company ID", "number", true));
  FieldDef region = Field("region", "Region", "select", true);
  region.options = {{"Europe", "eu"}, {"United States", "us"}};
  p.fields.push_back(region);
  p.fields.push_back(Field("note", "Note", "text_area", false));
  FieldDef ver = Field("api_version", "API version", "text", false);
  ver.default_value = "v1";
  p.fields.push_back(ver);
  FieldDef unlabeled = Field("tenant", "", "text", false);
  unlabeled.pattern = "^t[0-9]+$";  // no pattern_error: the generic message applies
  unlabeled.regex = std::make_shared<const std::regex>(unlabeled.pattern, std::regex::ECMAScript);
  p.fields.push_back(unlabeled);
  return p;
}

bj::object Valid() {
  return bj::object{{"subdomain", "acme"}, {"api_key", "s3cret"}, {"company_id", "42"}, {"region", "eu"}};
}

// boost::json::value has no implicit conversion from std::string.
bj::value J(const std::string& s) { return bj::value(bj::string(s)); }

bj::object With(std::string_view key, bj::value v) {
  bj::object o = Valid();
  o[key] = std::move(v);
  return o;
}

void ExpectInvalid(const Result<Credentials>& r, std::string_view message_part) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(r.error().message, HasSubstr(std::string(message_part)));
}

TEST(ValidateCredentialsTest, ValidCredentialsWithDefault) {
  ProviderDef p = TestProvider();
  auto r = ValidateCredentials(p, Valid(), nullptr);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, (Credentials{{"subdomain", "acme"},
                             {"api_key", "s3cret"},
                             {"company_id", "42"},
                             {"region", "eu"},
                             {"api_version", "v1"}}));
}

TEST(ValidateCredentialsTest, GivenValueOverridesDefault) {
  auto r = ValidateCredentials(TestProvider(), With("api_version", "v2"), nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("api_version"), "v2");
}

TEST(ValidateCredentialsTest, OptionalFieldKeptWhenGiven) {
  auto r = ValidateCredentials(TestProvider(), With("note", "hello\nworld"), nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("note"), "hello\nworld");
  EXPECT_FALSE(r->count("tenant"));
}

TEST(ValidateCredentialsTest, RequiredMissingUsesLabel) {
  ProviderDef p = TestProvider();
  for (const auto& [key, label] : std::vector<std::pair<std::string, std::string>>{
           {"subdomain", "Company subdomain"}, {"api_key", "API key"}, {"company_id", "Company ID"}, {"region", "Region"}}) {
    SCOPED_TRACE(key);
    bj::object o = Valid();
    o.erase(key);
    ExpectInvalid(ValidateCredentials(p, o, nullptr), label + " is required");
    // Empty and null count as missing.
    ExpectInvalid(ValidateCredentials(p, With(key, ""), nullptr), label + " is required");
    ExpectInvalid(ValidateCredentials(p, With(key, nullptr), nullptr), label + " is required");
  }
}

TEST(ValidateCredentialsTest, UnknownFieldRefused) {
  auto r = ValidateCredentials(TestProvider(), With("password", "x"), nullptr);
  ExpectInvalid(r, "'password'");
  EXPECT_THAT(r.error().message, HasSubstr("Test HR"));
}

TEST(ValidateCredentialsTest, PatternMismatchUsesPatternError) {
  auto r = ValidateCredentials(TestProvider(), With("subdomain", "Acme Corp"), nullptr);
  ExpectInvalid(r, "Company subdomain");
  EXPECT_THAT(r.error().message, HasSubstr("use lowercase letters, digits and dashes"));
  // Anchored: a matching substring is not enough.
  ExpectInvalid(ValidateCredentials(TestProvider(), With("subdomain", "acme/evil"), nullptr), "Company subdomain");
  // Without a pattern_error: a generic message naming the field (key when no label).
  ExpectInvalid(ValidateCredentials(TestProvider(), With("tenant", "x1"), nullptr), "tenant");
  EXPECT_TRUE(ValidateCredentials(TestProvider(), With("tenant", "t12"), nullptr).ok());
}

TEST(ValidateCredentialsTest, NumberField) {
  ProviderDef p = TestProvider();
  for (const char* ok : {"0", "42", "-7", "3.5", "1e3"}) {
    EXPECT_TRUE(ValidateCredentials(p, With("company_id", ok), nullptr).ok()) << ok;
  }
  for (const char* bad : {"abc", "42abc", "0x", "inf", "nan", " "}) {
    SCOPED_TRACE(bad);
    ExpectInvalid(ValidateCredentials(p, With("company_id", bad), nullptr), "Company ID must be a number");
  }
}

TEST(ValidateCredentialsTest, JsonNumberAcceptedForNumberField) {
  ProviderDef p = TestProvider();
  auto r = ValidateCredentials(p, With("company_id", 42), nullptr);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->at("company_id"), "42");
  r = ValidateCredentials(p, With("company_id", 2.5), nullptr);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_DOUBLE_EQ(std::stod(r->at("company_id")), 2.5);
  // ...but not for a text field, and no other JSON types anywhere.
  ExpectInvalid(ValidateCredentials(p, With("subdomain", 42), nullptr), "Company subdomain must be text");
  ExpectInvalid(ValidateCredentials(p, With("company_id", true), nullptr), "Company ID");
  ExpectInvalid(ValidateCredentials(p, With("api_key", bj::array{"x"}), nullptr), "API key");
}

TEST(ValidateCredentialsTest, SelectMustBeAnOptionValue) {
  ProviderDef p = TestProvider();
  EXPECT_TRUE(ValidateCredentials(p, With("region", "us"), nullptr).ok());
  ExpectInvalid(ValidateCredentials(p, With("region", "apac"), nullptr), "Region");
  // The option's label is not its value.
  ExpectInvalid(ValidateCredentials(p, With("region", "Europe"), nullptr), "Region");
}

TEST(ValidateCredentialsTest, NulRefused) {
  ExpectInvalid(ValidateCredentials(TestProvider(), With("api_key", J(std::string("ab\0cd", 5))), nullptr), "API key");
  ExpectInvalid(ValidateCredentials(TestProvider(), With("note", J(std::string("\0", 1))), nullptr), "Note");
}

TEST(ValidateCredentialsTest, OverLongRefused) {
  ProviderDef p = TestProvider();
  EXPECT_TRUE(ValidateCredentials(p, With("api_key", J(std::string(kMaxCredentialChars, 'k'))), nullptr).ok());
  ExpectInvalid(ValidateCredentials(p, With("api_key", J(std::string(kMaxCredentialChars + 1, 'k'))), nullptr),
                "API key is too long");
  // A patterned field has a tighter limit (regex recursion), still an error rather than a crash.
  ExpectInvalid(ValidateCredentials(p, With("subdomain", J(std::string(kMaxPatternedChars + 1, 'a'))), nullptr),
                "Company subdomain");
}

TEST(ValidateCredentialsTest, EditKeepsStoredSecretWhenMissingEmptyOrPlaceholder) {
  ProviderDef p = TestProvider();
  const Credentials stored = {{"subdomain", "acme"}, {"api_key", "old-secret"}, {"company_id", "42"},
                              {"region", "eu"}, {"api_version", "v1"}};
  bj::object missing = Valid();
  missing.erase("api_key");
  for (const bj::object& submitted : std::vector<bj::object>{missing, With("api_key", ""), With("api_key", nullptr),
                                      With("api_key", J(std::string(kSecretPlaceholder)))}) {
    SCOPED_TRACE(bj::serialize(submitted));
    auto r = ValidateCredentials(p, submitted, &stored);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->at("api_key"), "old-secret");
  }
}

TEST(ValidateCredentialsTest, EditNewValueReplaces) {
  ProviderDef p = TestProvider();
  const Credentials stored = {{"subdomain", "acme"}, {"api_key", "old-secret"}, {"company_id", "42"}, {"region", "eu"}};
  auto r = ValidateCredentials(p, With("api_key", "new-secret"), &stored);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("api_key"), "new-secret");
  // Non-secret fields left out keep their stored values too, and new values replace them.
  r = ValidateCredentials(p, bj::object{{"subdomain", "globex"}}, &stored);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->at("subdomain"), "globex");
  EXPECT_EQ(r->at("api_key"), "old-secret");
  EXPECT_EQ(r->at("company_id"), "42");
  EXPECT_EQ(r->at("region"), "eu");
}

TEST(ValidateCredentialsTest, PlaceholderIsLiteralForNonSecretOrNewAccount) {
  ProviderDef p = TestProvider();
  // Creating (no stored credentials): the placeholder is just a value.
  auto r = ValidateCredentials(p, With("api_key", J(std::string(kSecretPlaceholder))), nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("api_key"), kSecretPlaceholder);
  // A non-secret field is never a placeholder: "********" fails its pattern.
  const Credentials stored = {{"subdomain", "acme"}, {"api_key", "k"}, {"company_id", "42"}, {"region", "eu"}};
  ExpectInvalid(ValidateCredentials(p, With("subdomain", J(std::string(kSecretPlaceholder))), &stored),
                "Company subdomain");
}

TEST(ValidateCredentialsTest, EditStillChecksStoredValuesAndRequired) {
  ProviderDef p = TestProvider();
  const Credentials stored = {{"subdomain", "acme"}, {"company_id", "42"}, {"region", "eu"}};  // no api_key
  ExpectInvalid(ValidateCredentials(p, bj::object{}, &stored), "API key is required");
  const Credentials complete = {{"subdomain", "acme"}, {"api_key", "k"}, {"company_id", "42"}, {"region", "eu"}};
  bj::object mars;
  mars["region"] = "mars";
  ExpectInvalid(ValidateCredentials(p, mars, &complete), "Region");
  // A stored value that no longer passes its field's check is refused, not silently kept.
  const Credentials stale = {{"subdomain", "Not Valid"}, {"api_key", "k"}, {"company_id", "42"}, {"region", "eu"}};
  ExpectInvalid(ValidateCredentials(p, bj::object{}, &stale), "Company subdomain");
}

TEST(SetupInformationTest, NeverContainsSecrets) {
  ProviderDef p = TestProvider();
  const Credentials c = {{"subdomain", "acme"}, {"api_key", "very-secret"}, {"company_id", "42"},
                         {"region", "eu"}, {"not_a_field", "x"}};
  bj::object info = SetupInformation(p, c);
  EXPECT_EQ(info, (bj::object{{"subdomain", "acme"}, {"company_id", "42"}, {"region", "eu"}}));
  EXPECT_FALSE(info.contains("api_key"));
  EXPECT_THAT(bj::serialize(info), Not(HasSubstr("very-secret")));
}

TEST(SecretPlaceholdersTest, NeverContainsSecretValues) {
  ProviderDef p = TestProvider();
  const Credentials c = {{"subdomain", "acme"}, {"api_key", "very-secret"}, {"company_id", "42"}};
  bj::object ph = SecretPlaceholders(p, c);
  EXPECT_EQ(ph, (bj::object{{"api_key", std::string(kSecretPlaceholder)}}));
  EXPECT_THAT(bj::serialize(ph), Not(HasSubstr("very-secret")));
  // No stored secret: no placeholder.
  EXPECT_TRUE(SecretPlaceholders(p, Credentials{{"subdomain", "acme"}}).empty());
}

TEST(CredentialsJsonTest, RoundTrip) {
  const Credentials c = {{"a", "1"}, {"quote\"key", "line\nbreak"}, {"unicode", "\xC3\xA9\xE2\x82\xAC"}, {"empty", ""}};
  std::string text = CredentialsToJson(c);
  auto back = CredentialsFromJson(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, c);
  auto empty = CredentialsFromJson(CredentialsToJson({}));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(CredentialsJsonTest, MalformedRefused) {
  EXPECT_FALSE(CredentialsFromJson("").ok());
  EXPECT_FALSE(CredentialsFromJson("[]").ok());
  EXPECT_FALSE(CredentialsFromJson(R"({"a":1})").ok());
  EXPECT_FALSE(CredentialsFromJson(R"({"a":"x")").ok());
}

}  // namespace
}  // namespace connecthub
