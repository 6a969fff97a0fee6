#include "core/time.h"

#include <gtest/gtest.h>

namespace connecthub {
namespace {

TEST(TimeTest, FormatsEpochAndKnownInstants) {
  EXPECT_EQ(FormatIso(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIso(1714564800123), "2024-05-01T12:00:00.123Z");
  EXPECT_EQ(FormatIso(951782400000), "2000-02-29T00:00:00.000Z");  // leap day
}

TEST(TimeTest, ParseRoundTrips) {
  for (TimeMs t : {0LL, 1714564800123LL, 951782400000LL, 4102444799999LL}) {
    auto parsed = ParseIso(FormatIso(t));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, t);
  }
  EXPECT_EQ(ParseIso("2024-05-01T12:00:00Z"), 1714564800000);
}

TEST(TimeTest, RejectsZonelessAndGarbage) {
  EXPECT_FALSE(ParseIso("2024-05-01T12:00:00").has_value());
  EXPECT_FALSE(ParseIso("yesterday").has_value());
  EXPECT_FALSE(ParseIso("2024-13-01T12:00:00Z").has_value());
  EXPECT_FALSE(ParseIso("2024-05-01T12:00:00Zjunk").has_value());
}

}  // namespace
}  // namespace connecthub
