#include "http/auth.h"

#include <string>

#include <gtest/gtest.h>

#include "crypto/crypto.h"

namespace connecthub::http {
namespace {

class ParseBasicApiKeyTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(crypto::Init()); }
  static std::string Basic(std::string_view userpass, std::string_view scheme = "Basic") {
    return std::string(scheme) + " " + crypto::Base64Encode(userpass);
  }
};

constexpr char kKey[] = "chk_live_AbCdEf0123456789-_xyz";

TEST_F(ParseBasicApiKeyTest, KeyWithEmptyPassword) {
  EXPECT_EQ(ParseBasicApiKey(Basic(std::string(kKey) + ":")), kKey);
  // The exact header StackOne's SDK sends for username "key", password "".
  EXPECT_EQ(ParseBasicApiKey("Basic a2V5Og=="), "key");
}

TEST_F(ParseBasicApiKeyTest, SchemeIsCaseInsensitive) {
  EXPECT_EQ(ParseBasicApiKey(Basic(std::string(kKey) + ":", "basic")), kKey);
  EXPECT_EQ(ParseBasicApiKey(Basic(std::string(kKey) + ":", "BASIC")), kKey);
  EXPECT_EQ(ParseBasicApiKey(Basic(std::string(kKey) + ":", "bAsIc")), kKey);
}

TEST_F(ParseBasicApiKeyTest, MissingColonAccepted) { EXPECT_EQ(ParseBasicApiKey(Basic(kKey)), kKey); }

TEST_F(ParseBasicApiKeyTest, NonEmptyPasswordIgnoredKeyReturned) {
  EXPECT_EQ(ParseBasicApiKey(Basic(std::string(kKey) + ":hunter2")), kKey);
  EXPECT_EQ(ParseBasicApiKey(Basic(std::string(kKey) + ":a:b")), kKey);  // the first ':' splits
}

TEST_F(ParseBasicApiKeyTest, SurroundingSpacesAndUnpaddedBase64) {
  EXPECT_EQ(ParseBasicApiKey("Basic   a2V5Og==  "), "key");
  EXPECT_EQ(ParseBasicApiKey("Basic a2V5Og"), "key");  // padding optional
}

TEST_F(ParseBasicApiKeyTest, OtherSchemesRefused) {
  EXPECT_EQ(ParseBasicApiKey(std::string("Bearer ") + kKey), std::nullopt);
  EXPECT_EQ(ParseBasicApiKey("Bearer " + crypto::Base64Encode(std::string(kKey) + ":")), std::nullopt);
  EXPECT_EQ(ParseBasicApiKey("Digest username=\"x\""), std::nullopt);
  EXPECT_EQ(ParseBasicApiKey("Basica2V5Og=="), std::nullopt);  // no space after the scheme
  EXPECT_EQ(ParseBasicApiKey(kKey), std::nullopt);
}

TEST_F(ParseBasicApiKeyTest, EmptyOrShortRefused) {
  EXPECT_EQ(ParseBasicApiKey(""), std::nullopt);
  EXPECT_EQ(ParseBasicApiKey("Basic"), std::nullopt);
  EXPECT_EQ(ParseBasicApiKey("Basic "), std::nullopt);
  EXPECT_EQ(ParseBasicApiKey("Basic    "), std::nullopt);
}

TEST_F(ParseBasicApiKeyTest, GarbageBase64Refused) {
  EXPECT_EQ(ParseBasicApiKey("Basic !!!not-base64!!!"), std::nullopt);
  EXPECT_EQ(ParseBasicApiKey("Basic a2V5O*=="), std::nullopt);
  EXPECT_EQ(ParseBasicApiKey("Basic a2V5 Og=="), std::nullopt);
  // The URL-safe alphabet is not the standard one.
  EXPECT_EQ(ParseBasicApiKey("Basic " + crypto::Base64UrlEncode("\xfb\xff:")), std::nullopt);
}

TEST_F(ParseBasicApiKeyTest, EmptyUserRefused) {
  EXPECT_EQ(ParseBasicApiKey(Basic(":")), std::nullopt);
  EXPECT_EQ(ParseBasicApiKey(Basic(":password")), std::nullopt);
}

TEST_F(ParseBasicApiKeyTest, ControlCharsAndSpacesRefused) {
  for (std::string user : {std::string("ke\ny"), std::string("ke\ty"), std::string("key\r"), std::string("ke y"),
                           std::string("ke\x7fy"), std::string("ke\0y", 4), std::string("k\xC3\xA9y")}) {
    SCOPED_TRACE(testing::PrintToString(user));
    EXPECT_EQ(ParseBasicApiKey(Basic(user + ":")), std::nullopt);
  }
}

TEST_F(ParseBasicApiKeyTest, OverlongHeaderRefused) {
  EXPECT_EQ(ParseBasicApiKey(Basic(std::string(2000, 'k') + ":")), std::nullopt);
}

TEST(LooksLikeTokenTest, PrintableAsciiBounded) {
  EXPECT_TRUE(LooksLikeToken("cst_abc-DEF_123"));
  EXPECT_TRUE(LooksLikeToken(std::string(512, 'a')));
  EXPECT_FALSE(LooksLikeToken(std::string(513, 'a')));
  EXPECT_FALSE(LooksLikeToken(""));
  EXPECT_FALSE(LooksLikeToken("a b"));
  EXPECT_FALSE(LooksLikeToken("a\tb"));
  EXPECT_FALSE(LooksLikeToken("\xC3\xA9"));
  EXPECT_FALSE(LooksLikeToken("a\x7f"));
}

}  // namespace
}  // namespace connecthub::http
