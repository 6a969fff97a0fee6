#include "crypto/crypto.h"

#include <set>

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
