// Process metrics in Prometheus' text format (GET /metrics). Lock-free counters for the hot path;
// labelled series are created on first use under a mutex.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace connecthub::ops {

class Metrics {
 public:
  // One finished HTTP request; `route` is the matched pattern (bounded cardinality).
  void ObserveRequest(const std::string& method, const std::string& route, int status, double seconds);
  void Count(const std::string& name, const std::string& labels = "", double by = 1);
  // Gauges read at scrape time (e.g. storage pool use).
  void AddGauge(std::string name, std::string help, std::function<std::vector<std::pair<std::string, double>>()> read);
  std::string Render() const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1,    5};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
  };
  struct Gauge {
    std::string help;
    std::function<std::vector<std::pair<std::string, double>>()> read;
  };
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> requests_;  // labels -> count
  std::map<std::string, Histogram> latency_;  // route -> histogram
  std::map<std::string, std::map<std::string, double>> counters_;
  std::map<std::string, Gauge> gauges_;
};

}  // namespace connecthub::ops
