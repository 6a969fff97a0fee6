#include "ops/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace connecthub::ops {

int RateLimiter::Acquire(std::string_view key, TimeMs now) {
  if (!enabled()) return 0;
  Shard& shard = shards_[std::hash<std::string_view>{}(key) % kShards];
  std::lock_guard lk(shard.mu);
  if (shard.buckets.size() > kMaxKeysPerShard) {
    const double full_after_ms = limit_.burst / limit_.per_second * 1000.0;
    std::erase_if(shard.buckets, [&](const auto& kv) { return now - kv.second.updated > full_after_ms; });
  }
  auto [it, inserted] = shard.buckets.try_emplace(std::string(key), Bucket{limit_.burst, now});
  Bucket& b = it->second;
  if (!inserted) {
    b.tokens = std::min(limit_.burst, b.tokens + (now - b.updated) / 1000.0 * limit_.per_second);
    b.updated = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  return std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / limit_.per_second)));
}

void RateLimiter::Sweep(TimeMs now) {
  if (!enabled()) return;
  const double full_after_ms = limit_.burst / limit_.per_second * 1000.0;
  for (auto& shard : shards_) {
    std::lock_guard lk(shard.mu);
    std::erase_if(shard.buckets, [&](const auto& kv) { return now - kv.second.updated > full_after_ms; });
  }
}

}  // namespace connecthub::ops
