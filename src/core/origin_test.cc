#include "core/origin.h"

#include <gtest/gtest.h>

namespace connecthub {
namespace {

TEST(NormalizeOriginTest, AcceptsAndNormalizesWhatBrowsersSerialize) {
  struct Case {
    const char* in;
    const char* out;
  } cases[] = {
      {"https://app.example.com", "https://app.example.com"},
      {"HTTPS://App.Example.COM", "https://app.example.com"},
      {"https://app.example.com/", "https://app.example.com"},
      {"https://app.example.com:443", "https://app.example.com"},
      {"http://app.example.com:80", "http://app.example.com"},
      {"https://app.example.com:8443", "https://app.example.com:8443"},
      {"http://localhost:3000", "http://localhost:3000"},
      {"http://127.0.0.1:08080", "http://127.0.0.1:8080"},
      {"http://[::1]:3000", "http://[::1]:3000"},
      {"https://xn--bcher-kva.example", "https://xn--bcher-kva.example"},
  };
  for (const auto& c : cases) {
    auto r = NormalizeOrigin(c.in);
    ASSERT_TRUE(r.ok()) << c.in << ": " << r.error().message;
    EXPECT_EQ(*r, c.out) << c.in;
  }
}

TEST(NormalizeOriginTest, RefusesAnythingElse) {
  for (const char* bad : {
           "", "*", "app.example.com", "ftp://app.example.com", "javascript:alert(1)", "https://",
           "https://a.example/path", "https://a.example?x", "https://a.example#f", "https://user@a.example",
           "https://*.example.com", "https://a.example; script-src *", "https://a example", "https://a.example:",
           "https://a.example:0", "https://a.example:65536", "https://a.example:12x", "https://-a.example",
           "https://a-.example", "https://a..example", "https://.a.example", "http://[::1", "http://[zz]",
           "http://[::1]x", "https://a.example,https://b.example", "https://a.example'",
       }) {
    EXPECT_FALSE(NormalizeOrigin(bad).ok()) << bad;
  }
  EXPECT_FALSE(NormalizeOrigin("https://" + std::string(300, 'a') + ".example").ok());
}

TEST(NormalizeOriginTest, MessageNamesTheOriginAndTheForm) {
  auto r = NormalizeOrigin("https://a.example/path");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("https://a.example/path"), std::string::npos);
  EXPECT_NE(r.error().message.find("scheme://host[:port]"), std::string::npos);
}

}  // namespace
}  // namespace connecthub
