#include "webhooks/retry.h"

#include <gtest/gtest.h>

namespace connecthub::webhooks {
namespace {

TEST(RetryTest, DefaultScheduleBacksOffForAboutSixteenHoursThenGivesUp) {
  RetryPolicy p = DefaultRetryPolicy();
  EXPECT_EQ(p.max_attempts(), 10);
  int64_t total = 0;
  for (size_t i = 1; i < p.delays_ms.size(); ++i) EXPECT_GT(p.delays_ms[i], p.delays_ms[i - 1]);
  for (auto d : p.delays_ms) total += d;
  EXPECT_LT(total, 24LL * 3600 * 1000);
  EXPECT_EQ(NextAttemptAt(p, 1, 1000, 0.5), 1000 + 5000);  // 0.5 = no jitter
  EXPECT_FALSE(NextAttemptAt(p, 10, 0, 0.5).has_value());
  EXPECT_FALSE(NextAttemptAt(p, 0, 0, 0.5).has_value());
}

TEST(RetryTest, JitterStaysWithinBounds) {
  RetryPolicy p = DefaultRetryPolicy();
  EXPECT_EQ(*NextAttemptAt(p, 2, 0, 0.0), 24000);     // 30 s * 0.8
  EXPECT_EQ(*NextAttemptAt(p, 2, 0, 0.999999), 36000);  // ~30 s * 1.2
}

TEST(RetryTest, ParsesSchedules) {
  auto p = ParseRetrySchedule("5s,2m,1h,250");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->delays_ms, (std::vector<int64_t>{5000, 120000, 3600000, 250}));
  EXPECT_FALSE(ParseRetrySchedule("soon").ok());
  EXPECT_FALSE(ParseRetrySchedule("-5s").ok());
}

}  // namespace
}  // namespace connecthub::webhooks
