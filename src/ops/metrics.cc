#include "ops/metrics.h"

#include <fmt/format.h>

namespace connecthub::ops {

namespace {
std::string Escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

const std::map<std::string, std::string> kHelp = {
    {"connecthub_connect_sessions_created_total", "Connect sessions created"},
    {"connecthub_accounts_linked_total", "Accounts created through the hub"},
    {"connecthub_accounts_updated_total", "Accounts updated (hub re-link or API PATCH)"},
    {"connecthub_accounts_deleted_total", "Accounts deleted"},
    {"connecthub_webhook_deliveries_total", "Webhook delivery attempts by result"},
    {"connecthub_rate_limited_total", "Requests refused with 429, by limit"},
    {"connecthub_hot_path_passed_on_total",
     "Hot-path requests handed to their route's ordinary handler, by the stage that saw they must be"},
};
}  // namespace

void Metrics::ObserveRequest(const std::string& method, const std::string& route, int status, double seconds) {
  std::string labels = fmt::format("method=\"{}\",route=\"{}\",status=\"{}\"", Escape(method), Escape(route), status);
  std::lock_guard lk(mu_);
  ++requests_[labels];
  Histogram& h = latency_[route];
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++h.counts[i];
  ++h.count;
  h.sum += seconds;
}

void Metrics::Count(const std::string& name, const std::string& labels, double by) {
  std::lock_guard lk(mu_);
  counters_[name][labels] += by;
}

void Metrics::AddGauge(std::string name, std::string help, std::function<std::vector<std::pair<std::string, double>>()> read) {
  std::lock_guard lk(mu_);
  gauges_[std::move(name)] = Gauge{std::move(help), std::move(read)};
}

std::string Metrics::Render() const {
  std::string out;
  std::lock_guard lk(mu_);
  out += "# HELP connecthub_http_requests_total HTTP requests by method, route and status\n";
  out += "# TYPE connecthub_http_requests_total counter\n";
  for (const auto& [labels, n] : requests_) out += fmt::format("connecthub_http_requests_total{{{}}} {}\n", labels, n);
  out += "# HELP connecthub_http_request_duration_seconds Time from request read to response written\n";
  out += "# TYPE connecthub_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out += fmt::format("connecthub_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", Escape(route),
                         kBuckets[i], h.counts[i]);
    }
    out += fmt::format("connecthub_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", Escape(route), h.count);
    out += fmt::format("connecthub_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", Escape(route), h.sum);
    out += fmt::format("connecthub_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", Escape(route), h.count);
  }
  // Known counters are always exported (at 0 before their first event) so dashboards see them.
  std::map<std::string, std::map<std::string, double>> all = counters_;
  for (const auto& [name, help] : kHelp) all[name];
  for (const auto& [name, series] : all) {
    auto help = kHelp.find(name);
    out += fmt::format("# HELP {} {}\n# TYPE {} counter\n", name, help != kHelp.end() ? help->second : name, name);
    if (series.empty()) out += fmt::format("{} 0\n", name);
    for (const auto& [labels, v] : series) {
      out += labels.empty() ? fmt::format("{} {}\n", name, v) : fmt::format("{}{{{}}} {}\n", name, labels, v);
    }
  }
  for (const auto& [name, g] : gauges_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", name, g.help, name);
    for (const auto& [labels, v] : g.read()) {
      out += labels.empty() ? fmt::format("{} {}\n", name, v) : fmt::format("{}{{{}}} {}\n", name, labels, v);
    }
  }
  return out;
}

}  // namespace connecthub::ops
