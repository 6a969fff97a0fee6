#include "webhooks/signing.h"

#include <gtest/gtest.h>

#include "crypto/crypto.h"

namespace connecthub::webhooks {
namespace {

TEST(SigningTest, MatchesTheStandardWebhooksReferenceVector) {
  // The example from the Standard Webhooks specification and its reference libraries' tests.
  const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const std::string id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
  const std::string body = R"({"test": 2432232314})";
  auto sig = Sign(secret, id, 1614265330, body);
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(*sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(SigningTest, RotationSendsOneSignaturePerSecret) {
  ASSERT_TRUE(crypto::Init());
  std::string a = NewSecret(), b = NewSecret();
  EXPECT_EQ(a.rfind("whsec_", 0), 0u);
  EXPECT_NE(a, b);
  auto h = SignatureHeader({a, b}, "msg_1", 1, "{}");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(*h, *Sign(a, "msg_1", 1, "{}") + " " + *Sign(b, "msg_1", 1, "{}"));
  EXPECT_FALSE(Sign("whsec_!!!", "m", 1, "{}").ok());
}

}  // namespace
}  // namespace connecthub::webhooks
