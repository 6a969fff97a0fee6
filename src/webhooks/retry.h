// When to try a failed webhook delivery again: exponential backoff with jitter, then give up.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time.h"

namespace connecthub::webhooks {

struct RetryPolicy {
  // Delay before attempt 2, 3, ...; after the last delay's attempt fails, the delivery is failed.
  std::vector<int64_t> delays_ms;
  double jitter = 0.2;  // each delay is scaled by a random factor in [1 - jitter, 1 + jitter]
  int max_attempts() const { return static_cast<int>(delays_ms.size()) + 1; }
};

// 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h: 10 attempts over about 16 hours.
RetryPolicy DefaultRetryPolicy();
// "5s,30s,2m,1h" or plain milliseconds ("200,200"); for development and tests.
Result<RetryPolicy> ParseRetrySchedule(std::string_view text);
// The time of the next attempt after `attempts_done` failed attempts, or nullopt to give up.
// `unit_random` is uniform in [0, 1).
std::optional<TimeMs> NextAttemptAt(const RetryPolicy& p, int attempts_done, TimeMs now, double unit_random);

}  // namespace connecthub::webhooks
