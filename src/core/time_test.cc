#include "core/time.h"

#include <cstdint>
#include <cstdio>
#include <string>

#include <gtest/gtest.h>

namespace connecthub {
namespace {

TEST(TimeTest, FormatsEpochAndKnownInstants) {
  EXPECT_EQ(FormatIso(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIso(1714564800123), "2024-05-01T12:00:00.123Z");
  EXPECT_EQ(FormatIso(951782400000), "2000-02-29T00:00:00.000Z");  // leap day
}

// The digit-by-digit formatter against snprintf over instants spread across years 0000-9999, and
// the snprintf fallback outside them.
TEST(TimeTest, FormatMatchesPrintfEverywhere) {
  auto reference = [](TimeMs ms) {
    int64_t days = ms >= 0 ? ms / 86400000 : (ms - 86399999) / 86400000;
    int64_t rem = ms - days * 86400000;
    // Howard Hinnant's civil_from_days, written out again independently of time.cc.
    days += 719468;
    const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const int64_t doe = days - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    const int64_t d = doy - (153 * mp + 2) / 5 + 1;
    const int64_t m = mp < 10 ? mp + 3 : mp - 9;
    const int64_t y = yoe + era * 400 + (m <= 2);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ", static_cast<long long>(y),
                  static_cast<long long>(m), static_cast<long long>(d), static_cast<long long>(rem / 3600000),
                  static_cast<long long>(rem / 60000 % 60), static_cast<long long>(rem / 1000 % 60),
                  static_cast<long long>(rem % 1000));
    return std::string(buf);
  };
  const TimeMs year0 = -62167219200000LL;      // 0000-01-01T00:00:00.000Z
  const TimeMs year10000 = 253402300800000LL;  // 10000-01-01T00:00:00.000Z
  uint64_t x = 88172645463325252ULL;
  for (int i = 0; i < 200000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const TimeMs t = year0 + static_cast<TimeMs>(x % static_cast<uint64_t>(year10000 - year0));
    ASSERT_EQ(FormatIso(t), reference(t)) << t;
  }
  for (TimeMs t : {year0, year0 + 999, year10000 - 1, TimeMs{0}, TimeMs{-1}}) EXPECT_EQ(FormatIso(t), reference(t)) << t;
  EXPECT_EQ(FormatIso(year10000 - 1), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatIso(-1), "1969-12-31T23:59:59.999Z");
  // Outside 0000-9999, as snprintf writes them.
  EXPECT_EQ(FormatIso(year10000), reference(year10000));
  EXPECT_EQ(FormatIso(year0 - 1), reference(year0 - 1));
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
