#include "ops/rate_limiter.h"

#include <gtest/gtest.h>

namespace connecthub::ops {
namespace {

TEST(RateLimiterTest, AllowsTheBurstThenAsksToWait) {
  RateLimiter rl({2.0, 3.0});
  EXPECT_EQ(rl.Acquire("k", 0), 0);
  EXPECT_EQ(rl.Acquire("k", 0), 0);
  EXPECT_EQ(rl.Acquire("k", 0), 0);
  EXPECT_GE(rl.Acquire("k", 0), 1);
  // Other keys have their own buckets.
  EXPECT_EQ(rl.Acquire("other", 0), 0);
  // Half a second refills one token at 2/s.
  EXPECT_EQ(rl.Acquire("k", 500), 0);
  EXPECT_GE(rl.Acquire("k", 500), 1);
}

TEST(RateLimiterTest, DisabledNeverLimits) {
  RateLimiter rl({0, 0});
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(rl.Acquire("k", 0), 0);
}

TEST(RateLimiterTest, SweepForgetsIdleKeysWithoutLosingLimits) {
  RateLimiter rl({1.0, 1.0});
  EXPECT_EQ(rl.Acquire("k", 0), 0);
  EXPECT_GE(rl.Acquire("k", 10), 1);
  rl.Sweep(10);  // still limited: not swept
  EXPECT_GE(rl.Acquire("k", 20), 1);
  rl.Sweep(5000);
  EXPECT_EQ(rl.Acquire("k", 5000), 0);
}

}  // namespace
}  // namespace connecthub::ops
