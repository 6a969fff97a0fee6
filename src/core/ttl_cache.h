// A small thread-safe map whose entries expire a fixed time after they were stored. The hot request
// path uses it for facts that change rarely and are read on every request (which project an API key
// belongs to, which integrations a project has enabled), so that most requests need no database read
// before their write. Whoever uses one accepts that a change is seen up to `ttl` late.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "core/time.h"

namespace connecthub {

template <typename V>
class TtlCache {
 public:
  // ttl <= 0 disables the cache: Get always misses and Put stores nothing.
  TtlCache(TimeMs ttl, size_t max_entries) : ttl_(ttl), max_entries_(max_entries) {}

  bool enabled() const { return ttl_ > 0; }

  std::optional<V> Get(std::string_view key, TimeMs now) const {
    if (ttl_ <= 0) return std::nullopt;
    std::lock_guard lk(mu_);
    auto it = map_.find(std::string(key));
    if (it == map_.end() || now >= it->second.first || now < it->second.first - ttl_) return std::nullopt;
    return it->second.second;
  }

  void Put(std::string key, V value, TimeMs now) {
    if (ttl_ <= 0) return;
    std::lock_guard lk(mu_);
    // Bounded without bookkeeping: when full, start over. Entries are few (keys and projects of one
    // deployment); the bound only matters against a flood of distinct keys.
    if (map_.size() >= max_entries_ && !map_.count(key)) map_.clear();
    map_.insert_or_assign(std::move(key), std::make_pair(now + ttl_, std::move(value)));
  }

  size_t size() const {
    std::lock_guard lk(mu_);
    return map_.size();
  }

 private:
  const TimeMs ttl_;
  const size_t max_entries_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::pair<TimeMs, V>> map_;  // key -> (expires at, value)
};

}  // namespace connecthub
