// Token-bucket rate limiting by key (an API key's hash, a hub token's hash, a client address).
// Buckets live in this process: with N instances behind a load balancer each enforces its own
// limit, so configure the per-instance rate as the global rate divided by N (README, "Scaling out").
#pragma once

#include <array>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/time.h"

namespace connecthub::ops {

struct RateLimit {
  double per_second = 0;  // refill rate; 0 disables this limit
  double burst = 0;       // bucket size
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimit limit) : limit_(limit) {}
  // Takes one token for `key` at `now`. Returns 0 when allowed, else the seconds to wait (>= 1).
  int Acquire(std::string_view key, TimeMs now);
  // Drops buckets that have been full for a while, bounding memory under key churn.
  void Sweep(TimeMs now);
  bool enabled() const { return limit_.per_second > 0; }

 private:
  struct Bucket {
    double tokens;
    TimeMs updated;
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Bucket> buckets;
  };
  static constexpr size_t kShards = 16;
  static constexpr size_t kMaxKeysPerShard = 100000;  // beyond this the shard is swept early
  RateLimit limit_;
  std::array<Shard, kShards> shards_;
};

}  // namespace connecthub::ops
