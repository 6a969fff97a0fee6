#include "crypto/crypto.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <vector>

#include <gtest/gtest.h>

namespace connecthub::crypto {
namespace {

class CryptoTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(Init()); }
};

TEST_F(CryptoTest, TokensAre256BitUrlSafeAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string t = RandomToken("cst_");
    ASSERT_EQ(t.size(), 4u + 43u);  // 32 bytes -> 43 base64url chars
    EXPECT_EQ(t.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", 4),
              std::string::npos);
    EXPECT_TRUE(seen.insert(t).second);
  }
}

TEST_F(CryptoTest, TokenHashIsStableHexAndDiffers) {
  EXPECT_EQ(TokenHash("abc"), TokenHash("abc"));
  EXPECT_EQ(TokenHash("abc").size(), 64u);
  EXPECT_NE(TokenHash("abc"), TokenHash("abd"));
  // BLAKE2b-256 of "abc" (RFC 7693 test vectors are for 512; this pins our choice of 256).
  EXPECT_EQ(TokenHash("abc"), "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}

TEST_F(CryptoTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("same", "same"));
  EXPECT_FALSE(ConstantTimeEquals("same", "sane"));
  EXPECT_FALSE(ConstantTimeEquals("same", "same!"));
}

TEST_F(CryptoTest, Base64RoundTrips) {
  for (std::string s : {std::string(""), std::string("f"), std::string("fo"), std::string("foo"), std::string("\0\xff", 2)}) {
    auto d = Base64Decode(Base64Encode(s));
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(*d, s);
  }
  EXPECT_FALSE(Base64Decode("!!!").ok());
}

TEST_F(CryptoTest, HmacSha256MatchesRfc4231Case2) {
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_F(CryptoTest, KeyringRoundTripAndTamperDetection) {
  auto key = Keyring::ParseKey(std::string(64, 'a'));
  ASSERT_TRUE(key.ok());
  Keyring ring;
  ring.Add(*key, true);
  std::string ct = ring.Encrypt("{\"api_key\":\"s3cret\"}", "acc_1");
  EXPECT_EQ(ct.find("s3cret"), std::string::npos);
  EXPECT_EQ(Keyring::KeyIdOf(ct), ring.current_id());
  auto pt = ring.Decrypt(ct, "acc_1");
  ASSERT_TRUE(pt.ok());
  EXPECT_EQ(*pt, "{\"api_key\":\"s3cret\"}");

  // Same plaintext twice gives different ciphertexts (random nonce).
  EXPECT_NE(ct, ring.Encrypt("{\"api_key\":\"s3cret\"}", "acc_1"));
  // Moved to another row: refused.
  EXPECT_FALSE(ring.Decrypt(ct, "acc_2").ok());
  // Any flipped byte: refused.
  std::string tampered = ct;
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(ring.Decrypt(tampered, "acc_1").ok());
  EXPECT_FALSE(ring.Decrypt("garbage", "acc_1").ok());
}

TEST_F(CryptoTest, KeyringRotationKeepsOldCiphertextReadable) {
  Keyring ring;
  ring.Add(*Keyring::ParseKey(std::string(64, '1')), true);
  std::string old_ct = ring.Encrypt("x", "a");
  ring.Add(*Keyring::ParseKey(std::string(64, '2')), true);
  std::string new_ct = ring.Encrypt("x", "a");
  EXPECT_NE(Keyring::KeyIdOf(old_ct), Keyring::KeyIdOf(new_ct));
  EXPECT_TRUE(ring.Decrypt(old_ct, "a").ok());
  EXPECT_TRUE(ring.Decrypt(new_ct, "a").ok());
  Keyring other;
  other.Add(*Keyring::ParseKey(std::string(64, '3')), true);
  auto r = other.Decrypt(old_ct, "a");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), ErrorCode::kUnavailable);
}

TEST_F(CryptoTest, ParseKeyAcceptsHexAndBase64Only32Bytes) {
  EXPECT_TRUE(Keyring::ParseKey(std::string(64, 'f')).ok());
  EXPECT_TRUE(Keyring::ParseKey(Base64Encode(std::string(32, 'k'))).ok());
  EXPECT_FALSE(Keyring::ParseKey(std::string(62, 'f')).ok());
  EXPECT_FALSE(Keyring::ParseKey(Base64Encode(std::string(16, 'k'))).ok());
  EXPECT_FALSE(Keyring::ParseKey("").ok());
}

}  // namespace
}  // namespace connecthub::crypto

namespace connecthub::crypto {
namespace {

TEST_F(CryptoTest, SessionTokenCarriesItsTimeAndAtLeast256RandomBits) {
  const std::string t = NewSessionToken(0x0123456789abLL);
  EXPECT_EQ(t.substr(0, 17), "cst_0123456789ab.");
  EXPECT_GE(t.size() - 17, 43u);
  EXPECT_NE(NewSessionToken(0x0123456789abLL), t);
  for (char c : t) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.') << t;
}

TEST_F(CryptoTest, SessionTokenKeysSortByCreationTime) {
  std::vector<std::string> keys;
  for (int64_t ms : {1700000000000LL, 1700000000001LL, 1700000001000LL, 1800000000000LL}) {
    keys.push_back(SessionTokenKey(NewSessionToken(ms)));
  }
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
}

TEST_F(CryptoTest, SessionTokenKeyBindsTheWholeToken) {
  const std::string t = NewSessionToken(1700000000000LL);
  const std::string key = SessionTokenKey(t);
  EXPECT_EQ(key, SessionTokenKey(t));
  EXPECT_EQ(key.substr(0, 13), t.substr(4, 13));
  EXPECT_EQ(key.substr(13), TokenHash(t));
  std::string other = t;
  other.back() = other.back() == 'A' ? 'B' : 'A';
  EXPECT_NE(SessionTokenKey(other), key);
  // Same random part, another time: another key.
  std::string moved = t;
  moved[5] = moved[5] == '0' ? '1' : '0';
  EXPECT_NE(SessionTokenKey(moved), key);
}

TEST_F(CryptoTest, SessionTokenOtherTokensKeyByTheirBareHash) {
  // Tokens issued before the stamped format, and anything malformed, look up as they always did.
  for (std::string t : {RandomToken("cst_"), std::string("cst_unknown"), std::string("cst_0123456789AB.xyz"),
                        std::string("cst_0123456789ab"), std::string("cst_0123456789ab."), std::string("")}) {
    EXPECT_EQ(SessionTokenKey(t), TokenHash(t)) << t;
  }
}

}  // namespace
}  // namespace connecthub::crypto
