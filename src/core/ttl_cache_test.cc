#include "core/ttl_cache.h"

#include <gtest/gtest.h>

namespace connecthub {
namespace {

TEST(TtlCacheTest, HitsUntilTheTtlHasPassed) {
  TtlCache<int> c(1000, 10);
  EXPECT_FALSE(c.Get("k", 0));
  c.Put("k", 7, 5000);
  EXPECT_EQ(c.Get("k", 5000), 7);
  EXPECT_EQ(c.Get("k", 5999), 7);
  EXPECT_FALSE(c.Get("k", 6000));
  EXPECT_FALSE(c.Get("other", 5000));
}

TEST(TtlCacheTest, AClockThatWentBackwardsMisses) {
  // An entry stored "in the future" (the clock stepped back) must not live longer than its ttl.
  TtlCache<int> c(1000, 10);
  c.Put("k", 1, 10000);
  EXPECT_FALSE(c.Get("k", 8000));
}

TEST(TtlCacheTest, PutReplacesAndRestartsTheTtl) {
  TtlCache<std::string> c(1000, 10);
  c.Put("k", "a", 0);
  c.Put("k", "b", 900);
  EXPECT_EQ(c.Get("k", 1500), "b");
}

TEST(TtlCacheTest, StaysWithinItsBound) {
  TtlCache<int> c(1000, 3);
  for (int i = 0; i < 100; ++i) c.Put("k" + std::to_string(i), i, 0);
  EXPECT_LE(c.size(), 3u);
  EXPECT_EQ(c.Get("k99", 1), 99);
}

TEST(TtlCacheTest, ZeroTtlDisablesIt) {
  TtlCache<int> c(0, 10);
  EXPECT_FALSE(c.enabled());
  c.Put("k", 1, 0);
  EXPECT_FALSE(c.Get("k", 0));
  EXPECT_EQ(c.size(), 0u);
}

}  // namespace
}  // namespace connecthub
