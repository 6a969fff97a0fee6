#include "http/query.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace connecthub::http {
namespace {

using Strings = std::vector<std::string>;

TEST(PercentDecodeTest, DecodesEscapes) {
  EXPECT_EQ(PercentDecode("abc", false), "abc");
  EXPECT_EQ(PercentDecode("", false), "");
  EXPECT_EQ(PercentDecode("a%2Fb", false), "a/b");
  EXPECT_EQ(PercentDecode("a%2fb", false), "a/b");  // hex is case-insensitive
  EXPECT_EQ(PercentDecode("%41%42%43", false), "ABC");
  EXPECT_EQ(PercentDecode("%C3%A9", false), "\xC3\xA9");
  EXPECT_EQ(PercentDecode("%25", false), "%");
  EXPECT_EQ(PercentDecode("%252F", false), "%2F");  // decoded once only
}

TEST(PercentDecodeTest, PlusIsSpaceOnlyInQuery) {
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(PercentDecode("a%2Bb", true), "a+b");
}

TEST(PercentDecodeTest, RejectsBadEscapes) {
  for (const char* bad : {"%", "%2", "a%", "a%2", "%zz", "%2g", "%g2", "%%", "%-1", "% 2"}) {
    EXPECT_EQ(PercentDecode(bad, false), std::nullopt) << bad;
    EXPECT_EQ(PercentDecode(bad, true), std::nullopt) << bad;
  }
}

TEST(PercentDecodeTest, RejectsNul) {
  EXPECT_EQ(PercentDecode("%00", false), std::nullopt);
  EXPECT_EQ(PercentDecode("a%00b", true), std::nullopt);
  EXPECT_EQ(PercentDecode(std::string_view("a\0b", 3), false), std::nullopt);  // raw NUL too
  EXPECT_FALSE(SplitPath(std::string_view("/accounts/a\0b", 13)).ok());
  EXPECT_FALSE(ParseQuery(std::string_view("k=a\0b", 6)).ok());
}

TEST(SplitPathTest, Segments) {
  EXPECT_EQ(SplitPath("/").value(), Strings{});
  EXPECT_EQ(SplitPath("/accounts").value(), Strings{"accounts"});
  EXPECT_EQ(SplitPath("/accounts/").value(), Strings{"accounts"});  // trailing empty segment dropped
  EXPECT_EQ(SplitPath("/accounts/acc_1/meta").value(), (Strings{"accounts", "acc_1", "meta"}));
  EXPECT_EQ(SplitPath("/a//b").value(), (Strings{"a", "", "b"}));  // inner empty segments kept
}

TEST(SplitPathTest, EncodedSlashStaysInsideItsSegment) {
  EXPECT_EQ(SplitPath("/a/b%2Fc/").value(), (Strings{"a", "b/c"}));
  EXPECT_EQ(SplitPath("/logos/%2E%2E%2Fsecret").value(), (Strings{"logos", "../secret"}));
}

TEST(SplitPathTest, PlusIsNotSpaceInPath) { EXPECT_EQ(SplitPath("/a+b").value(), Strings{"a+b"}); }

TEST(SplitPathTest, Rejects) {
  for (const char* bad : {"", "accounts", "/a/%zz", "/a%2", "/a/%00"}) {
    auto r = SplitPath(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.code(), ErrorCode::kInvalidArgument);
  }
}

TEST(ParseQueryTest, PairsInOrderWithRepeatedKeys) {
  auto q = ParseQuery("provider=bamboohr&provider=hibob&page_size=10&provider=lever");
  ASSERT_TRUE(q.ok());
  QueryParams want = {{"provider", "bamboohr"}, {"provider", "hibob"}, {"page_size", "10"}, {"provider", "lever"}};
  EXPECT_EQ(*q, want);
  EXPECT_EQ(QueryAll(*q, "provider"), (Strings{"bamboohr", "hibob", "lever"}));
  EXPECT_EQ(QueryFirst(*q, "provider"), "bamboohr");
  EXPECT_EQ(QueryFirst(*q, "page_size"), "10");
  EXPECT_EQ(QueryFirst(*q, "nope"), std::nullopt);
  EXPECT_TRUE(QueryAll(*q, "nope").empty());
}

TEST(ParseQueryTest, DecodesKeysAndValues) {
  auto q = ParseQuery("a+b=c+d&e%3D=f%26g&h=%2B");
  ASSERT_TRUE(q.ok());
  QueryParams want = {{"a b", "c d"}, {"e=", "f&g"}, {"h", "+"}};
  EXPECT_EQ(*q, want);
}

TEST(ParseQueryTest, EmptyPairsSkippedAndMissingValues) {
  auto q = ParseQuery("&&a=1&&b&c=&=d&");
  ASSERT_TRUE(q.ok());
  QueryParams want = {{"a", "1"}, {"b", ""}, {"c", ""}, {"", "d"}};
  EXPECT_EQ(*q, want);
  EXPECT_TRUE(ParseQuery("").value().empty());
  EXPECT_TRUE(ParseQuery("&&&").value().empty());
  // Only the first '=' splits.
  EXPECT_EQ(ParseQuery("x=a=b").value(), (QueryParams{{"x", "a=b"}}));
}

TEST(ParseQueryTest, MalformedEscapeRefused) {
  EXPECT_FALSE(ParseQuery("a=%zz").ok());
  EXPECT_FALSE(ParseQuery("%zz=1").ok());
  EXPECT_FALSE(ParseQuery("a=%00").ok());
  EXPECT_EQ(ParseQuery("a=1&b=%").code(), ErrorCode::kInvalidArgument);
}

std::string ManyParams(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += (i ? "&k" : "k") + std::to_string(i) + "=v";
  return s;
}

TEST(ParseQueryTest, AtMostAThousandParams) {
  auto ok = ParseQuery(ManyParams(1000));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->size(), 1000u);
  auto over = ParseQuery(ManyParams(1001));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.code(), ErrorCode::kInvalidArgument);
  // Empty pairs do not count.
  EXPECT_TRUE(ParseQuery(ManyParams(1000) + std::string(5000, '&')).ok());
}

}  // namespace
}  // namespace connecthub::http
