#include "ops/metrics.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

namespace connecthub::ops {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) out.push_back(line);
  return out;
}

// The value of the sample line that starts with `series` followed by a space; fails if there is not
// exactly one such line.
std::string Sample(const std::string& text, const std::string& series) {
  std::string found;
  int n = 0;
  for (const auto& line : Lines(text)) {
    if (line.rfind(series + " ", 0) == 0) {
      found = line.substr(series.size() + 1);
      ++n;
    }
  }
  EXPECT_EQ(n, 1) << "series " << series << " in:\n" << text;
  return found;
}

bool HasSeries(const std::string& text, const std::string& series) {
  for (const auto& line : Lines(text))
    if (line.rfind(series + " ", 0) == 0) return true;
  return false;
}

struct ParsedSample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;  // values unescaped
  double value = 0;
};

bool NameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; }
bool NameChar(char c) { return NameStart(c) || std::isdigit(static_cast<unsigned char>(c)); }

// A hand-written reader of one sample line of the Prometheus text format 0.0.4
// (`name{label="value",...} value`), strict about the escapes a label value may contain, so
// that an unescaped quote or a raw newline shows up as a parse error.
std::optional<ParsedSample> ParseSampleLine(const std::string& line, std::string& why) {
  auto fail = [&why](std::string reason) {
    why = std::move(reason);
    return std::nullopt;
  };
  ParsedSample s;
  size_t i = 0;
  if (i >= line.size() || !NameStart(line[i])) return fail("metric name");
  while (i < line.size() && NameChar(line[i])) s.name.push_back(line[i++]);
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      std::string lname;
      if (!NameStart(line[i]) || line[i] == ':') return fail("label name");
      while (i < line.size() && NameChar(line[i]) && line[i] != ':') lname.push_back(line[i++]);
      if (i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"') return fail("label =\"");
      i += 2;
      std::string value;
      for (;;) {
        if (i >= line.size()) return fail("unterminated label value");
        char c = line[i++];
        if (c == '"') break;
        if (c == '\\') {
          if (i >= line.size()) return fail("dangling backslash");
          char e = line[i++];
          if (e == 'n') value.push_back('\n');
          else if (e == '\\' || e == '"') value.push_back(e);
          else return fail("bad escape");
        } else {
          value.push_back(c);
        }
      }
      s.labels.emplace_back(lname, value);
      if (i < line.size() && line[i] == ',') ++i;
      else if (i < line.size() && line[i] != '}') return fail("label separator");
    }
    if (i >= line.size()) return fail("unterminated label set");
    ++i;  // '}'
  }
  if (i >= line.size() || line[i] != ' ') return fail("space before value");
  std::string value = line.substr(i + 1);
  if (value == "+Inf" || value == "-Inf" || value == "NaN") {
    s.value = value == "NaN" ? std::nan("") : (value[0] == '+' ? HUGE_VAL : -HUGE_VAL);
    return s;
  }
  if (value.empty() || std::isspace(static_cast<unsigned char>(value[0]))) return fail("value");
  char* end = nullptr;
  s.value = std::strtod(value.c_str(), &end);
  if (end != value.c_str() + value.size()) return fail("value '" + value + "'");
  return s;
}

// Checks the whole exposition: every sample parses, belongs to a family declared by exactly one
// HELP and one TYPE line before it, and each family's lines are contiguous.
void ExpectValidExposition(const std::string& text) {
  ASSERT_FALSE(text.empty());
  ASSERT_EQ(text.back(), '\n') << "the exposition must end with a newline";
  std::map<std::string, int> help, type;
  std::map<std::string, std::string> kind;
  std::set<std::string> closed;  // families whose block has ended
  std::string current;
  for (const auto& line : Lines(text)) {
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
      std::string rest = line.substr(7);
      std::string name = rest.substr(0, rest.find(' '));
      ASSERT_FALSE(name.empty()) << line;
      ASSERT_NE(rest.find(' '), std::string::npos) << "no text after the name: " << line;
      if (name != current) {
        ASSERT_EQ(closed.count(name), 0u) << "family " << name << " appears in two places";
        if (!current.empty()) closed.insert(current);
        current = name;
      }
      if (line[2] == 'H') {
        ++help[name];
      } else {
        ++type[name];
        std::string t = rest.substr(rest.find(' ') + 1);
        EXPECT_TRUE(t == "counter" || t == "gauge" || t == "histogram") << line;
        kind[name] = t;
      }
      continue;
    }
    ASSERT_FALSE(line.empty()) << "blank line in the exposition";
    ASSERT_NE(line[0], '#') << "unknown comment: " << line;
    std::string why;
    auto s = ParseSampleLine(line, why);
    ASSERT_TRUE(s.has_value()) << "not `name{labels} value` (" << why << "): " << line;
    std::string family = s->name;
    if (kind.count(family) == 0) {
      for (std::string suffix : {"_bucket", "_sum", "_count"}) {
        if (family.size() > suffix.size() && family.compare(family.size() - suffix.size(), suffix.size(), suffix) == 0) {
          family.resize(family.size() - suffix.size());
          break;
        }
      }
    }
    ASSERT_EQ(family, current) << "sample outside its family's block: " << line;
    if (kind[family] == "counter") {
      EXPECT_GE(s->value, 0) << line;
    }
    if (s->name != family) {
      EXPECT_EQ(kind[family], "histogram") << line;
    }
  }
  for (const auto& [name, n] : help) EXPECT_EQ(n, 1) << "HELP lines for " << name;
  for (const auto& [name, n] : type) EXPECT_EQ(n, 1) << "TYPE lines for " << name;
  for (const auto& [name, n] : help) EXPECT_EQ(type.count(name), 1u) << name << " has HELP but no TYPE";
  for (const auto& [name, n] : type) EXPECT_EQ(help.count(name), 1u) << name << " has TYPE but no HELP";
}

constexpr const char* kKnownCounters[] = {
    "connecthub_connect_sessions_created_total", "connecthub_accounts_linked_total",
    "connecthub_accounts_updated_total",         "connecthub_accounts_deleted_total",
    "connecthub_webhook_deliveries_total",       "connecthub_rate_limited_total",
};

TEST(MetricsTest, KnownCountersAreExportedAtZeroBeforeAnyEvent) {
  Metrics m;
  const std::string text = m.Render();
  for (const char* name : kKnownCounters) {
    EXPECT_EQ(Sample(text, name), "0") << name;
    EXPECT_NE(text.find(std::string("# TYPE ") + name + " counter\n"), std::string::npos) << name;
  }
  // No traffic yet: the request families are declared but have no series.
  EXPECT_NE(text.find("# TYPE connecthub_http_requests_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE connecthub_http_request_duration_seconds histogram\n"), std::string::npos);
  EXPECT_EQ(text.find("connecthub_http_requests_total{"), std::string::npos);
  ExpectValidExposition(text);
}

TEST(MetricsTest, RequestsAreCountedByMethodRouteAndStatus) {
  Metrics m;
  m.ObserveRequest("POST", "/connect_sessions", 201, 0.002);
  m.ObserveRequest("POST", "/connect_sessions", 201, 0.003);
  m.ObserveRequest("POST", "/connect_sessions", 400, 0.001);
  m.ObserveRequest("GET", "/accounts/{id}", 200, 0.004);
  m.ObserveRequest("DELETE", "/accounts/{id}", 404, 0.004);
  const std::string text = m.Render();
  const std::string n = "connecthub_http_requests_total";
  EXPECT_EQ(Sample(text, n + R"({method="POST",route="/connect_sessions",status="201"})"), "2");
  EXPECT_EQ(Sample(text, n + R"({method="POST",route="/connect_sessions",status="400"})"), "1");
  EXPECT_EQ(Sample(text, n + R"({method="GET",route="/accounts/{id}",status="200"})"), "1");
  EXPECT_EQ(Sample(text, n + R"({method="DELETE",route="/accounts/{id}",status="404"})"), "1");
  EXPECT_FALSE(HasSeries(text, n + R"({method="GET",route="/connect_sessions",status="201"})"));
  // The histogram is per route, over every method and status.
  EXPECT_EQ(Sample(text, R"(connecthub_http_request_duration_seconds_count{route="/connect_sessions"})"), "3");
  EXPECT_EQ(Sample(text, R"(connecthub_http_request_duration_seconds_count{route="/accounts/{id}"})"), "2");
  ExpectValidExposition(text);
}

TEST(MetricsTest, LatencyHistogramIsCumulativeWithInfEqualToCount) {
  Metrics m;
  // 0.005 sits exactly on a bucket bound: `le` means less than or equal.
  for (double s : {0.0001, 0.005, 0.003, 0.07, 2.0, 10.0}) m.ObserveRequest("GET", "/r", 200, s);
  m.ObserveRequest("GET", "/other", 200, 0.2);
  const std::string text = m.Render();
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"0.0005", "1"}, {"0.001", "1"}, {"0.0025", "1"}, {"0.005", "3"}, {"0.01", "3"}, {"0.025", "3"}, {"0.05", "3"},
      {"0.1", "4"},    {"0.25", "4"},  {"0.5", "4"},    {"1", "4"},     {"5", "5"},    {"+Inf", "6"},
  };
  uint64_t previous = 0;
  for (const auto& [le, count] : expected) {
    const std::string got =
        Sample(text, "connecthub_http_request_duration_seconds_bucket{route=\"/r\",le=\"" + le + "\"}");
    EXPECT_EQ(got, count) << "le=" << le;
    const uint64_t v = std::strtoull(got.c_str(), nullptr, 10);
    EXPECT_GE(v, previous) << "bucket counts must not decrease (le=" << le << ")";
    previous = v;
  }
  EXPECT_EQ(Sample(text, R"(connecthub_http_request_duration_seconds_count{route="/r"})"), "6");
  EXPECT_NEAR(std::strtod(Sample(text, R"(connecthub_http_request_duration_seconds_sum{route="/r"})").c_str(), nullptr),
              12.0781, 1e-9);
  // Exactly the 12 bounds plus +Inf, in ascending order, and nothing of /r leaks into /other.
  std::vector<std::string> les;
  for (const auto& line : Lines(text)) {
    const std::string prefix = "connecthub_http_request_duration_seconds_bucket{route=\"/r\",le=\"";
    if (line.rfind(prefix, 0) == 0) les.push_back(line.substr(prefix.size(), line.find('"', prefix.size()) - prefix.size()));
  }
  ASSERT_EQ(les.size(), expected.size());
  for (size_t i = 0; i < les.size(); ++i) EXPECT_EQ(les[i], expected[i].first);
  EXPECT_EQ(Sample(text, R"(connecthub_http_request_duration_seconds_bucket{route="/other",le="0.1"})"), "0");
  EXPECT_EQ(Sample(text, R"(connecthub_http_request_duration_seconds_bucket{route="/other",le="0.25"})"), "1");
  EXPECT_EQ(Sample(text, R"(connecthub_http_request_duration_seconds_bucket{route="/other",le="+Inf"})"), "1");
  ExpectValidExposition(text);
}

TEST(MetricsTest, CountAddsToLabelledAndUnlabelledSeries) {
  Metrics m;
  m.Count("connecthub_rate_limited_total", R"(limit="api_key")");
  m.Count("connecthub_rate_limited_total", R"(limit="api_key")");
  m.Count("connecthub_rate_limited_total", R"(limit="client")", 3);
  m.Count("connecthub_connect_sessions_created_total");
  m.Count("connecthub_connect_sessions_created_total");
  m.Count("connecthub_webhook_deliveries_total", R"(result="delivered")");
  m.Count("connecthub_test_other_total");
  const std::string text = m.Render();
  EXPECT_EQ(Sample(text, R"(connecthub_rate_limited_total{limit="api_key"})"), "2");
  EXPECT_EQ(Sample(text, R"(connecthub_rate_limited_total{limit="client"})"), "3");
  EXPECT_FALSE(HasSeries(text, R"(connecthub_rate_limited_total{limit="hub_token"})"));
  EXPECT_EQ(Sample(text, "connecthub_connect_sessions_created_total"), "2");
  EXPECT_EQ(Sample(text, R"(connecthub_webhook_deliveries_total{result="delivered"})"), "1");
  EXPECT_EQ(Sample(text, "connecthub_accounts_deleted_total"), "0");
  // A counter without a registered help text still gets its HELP and TYPE lines.
  EXPECT_EQ(Sample(text, "connecthub_test_other_total"), "1");
  EXPECT_NE(text.find("# TYPE connecthub_test_other_total counter\n"), std::string::npos);
  ExpectValidExposition(text);
}

TEST(MetricsTest, GaugesAreReadAtRenderTime) {
  Metrics m;
  int reads = 0;
  double in_use = 1;
  m.AddGauge("connecthub_test_pool", "Connections by state", [&] {
    ++reads;
    return std::vector<std::pair<std::string, double>>{{R"(state="max")", 8}, {R"(state="in_use")", in_use}};
  });
  m.AddGauge("connecthub_test_plain", "An unlabelled gauge", [] {
    return std::vector<std::pair<std::string, double>>{{"", 2.5}};
  });
  EXPECT_EQ(reads, 0) << "registering must not read";
  std::string text = m.Render();
  EXPECT_EQ(reads, 1);
  EXPECT_EQ(Sample(text, R"(connecthub_test_pool{state="max"})"), "8");
  EXPECT_EQ(Sample(text, R"(connecthub_test_pool{state="in_use"})"), "1");
  EXPECT_EQ(Sample(text, "connecthub_test_plain"), "2.5");
  EXPECT_NE(text.find("# HELP connecthub_test_pool Connections by state\n# TYPE connecthub_test_pool gauge\n"),
            std::string::npos);
  ExpectValidExposition(text);

  in_use = 5;
  text = m.Render();
  EXPECT_EQ(reads, 2);
  EXPECT_EQ(Sample(text, R"(connecthub_test_pool{state="in_use"})"), "5");
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  Metrics m;
  // Routes are patterns, but a method is whatever the client sent; neither may break the format.
  const std::string route = "/a\\b\"c\nd";
  m.ObserveRequest("GE\"T\n", route, 200, 0.001);
  const std::string text = m.Render();
  const std::string escaped_route = R"(/a\\b\"c\nd)";
  EXPECT_EQ(Sample(text, R"(connecthub_http_requests_total{method="GE\"T\n",route=")" + escaped_route +
                             R"(",status="200"})"),
            "1");
  EXPECT_EQ(Sample(text, "connecthub_http_request_duration_seconds_count{route=\"" + escaped_route + "\"}"), "1");
  EXPECT_EQ(Sample(text, "connecthub_http_request_duration_seconds_bucket{route=\"" + escaped_route + "\",le=\"+Inf\"}"),
            "1");
  ExpectValidExposition(text);
  // And the escapes read back as the original values.
  for (const auto& line : Lines(text)) {
    if (line.rfind("connecthub_http_requests_total{", 0) != 0) continue;
    std::string why;
    auto s = ParseSampleLine(line, why);
    ASSERT_TRUE(s) << why;
    ASSERT_EQ(s->labels.size(), 3u);
    EXPECT_EQ(s->labels[0], (std::pair<std::string, std::string>{"method", "GE\"T\n"}));
    EXPECT_EQ(s->labels[1], (std::pair<std::string, std::string>{"route", route}));
  }
}

TEST(MetricsTest, ExpositionIsWellFormedWithEveryKindOfSeries) {
  Metrics m;
  m.ObserveRequest("GET", "/healthz", 200, 0.0002);
  m.ObserveRequest("GET", "unmatched", 404, 0.0003);
  m.Count("connecthub_accounts_linked_total");
  m.Count("connecthub_rate_limited_total", R"(limit="hub_token")");
  m.AddGauge("connecthub_store_waiting", "Waiting callers", [] {
    return std::vector<std::pair<std::string, double>>{{R"(pool="sqlite_read")", 0}, {R"(pool="sqlite_write")", 3}};
  });
  ExpectValidExposition(m.Render());
  // The checker itself must reject what it is meant to catch.
  std::string why;
  EXPECT_FALSE(ParseSampleLine(R"(x{a="b"c"} 1)", why));
  EXPECT_FALSE(ParseSampleLine(R"(x{a="b} 1)", why));
  EXPECT_FALSE(ParseSampleLine("x{a=\"b\\q\"} 1", why));
  EXPECT_FALSE(ParseSampleLine("x 1 2x", why));
  EXPECT_FALSE(ParseSampleLine("1x 1", why));
  EXPECT_TRUE(ParseSampleLine(R"(x{a="b\"c"} 1.5e-05)", why)) << why;
}

TEST(MetricsTest, ConcurrentObservationsAreAllCounted) {
  Metrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&m] {
      for (int i = 0; i < 1000; ++i) {
        m.ObserveRequest("GET", "/accounts", 200, 0.001);
        m.Count("connecthub_accounts_updated_total");
      }
    });
  }
  std::string during = m.Render();  // rendering while others write must be safe
  for (auto& t : threads) t.join();
  const std::string text = m.Render();
  EXPECT_EQ(Sample(text, R"(connecthub_http_requests_total{method="GET",route="/accounts",status="200"})"), "4000");
  EXPECT_EQ(Sample(text, R"(connecthub_http_request_duration_seconds_count{route="/accounts"})"), "4000");
  EXPECT_EQ(Sample(text, "connecthub_accounts_updated_total"), "4000");
  ExpectValidExposition(during);
}

}  // namespace
}  // namespace connecthub::ops
