#include "webhooks/retry.h"

#include <cmath>
#include <string>

namespace connecthub::webhooks {

RetryPolicy DefaultRetryPolicy() {
  constexpr int64_t s = 1000, m = 60 * s, h = 60 * m;
  return RetryPolicy{{5 * s, 30 * s, 2 * m, 10 * m, 30 * m, 1 * h, 2 * h, 4 * h, 8 * h}, 0.2};
}

Result<RetryPolicy> ParseRetrySchedule(std::string_view text) {
  RetryPolicy p;
  p.jitter = 0.0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string_view::npos) comma = text.size();
    std::string item(text.substr(pos, comma - pos));
    pos = comma + 1;
    if (item.empty()) continue;
    int64_t unit = 1;
    char last = item.back();
    if (last == 's') unit = 1000;
    if (last == 'm') unit = 60 * 1000;
    if (last == 'h') unit = 3600 * 1000;
    if (unit != 1) item.pop_back();
    if (item.empty() || item.find_first_not_of("0123456789") != std::string::npos || item.size() > 9) {
      return InvalidArgument("retry schedule entries look like 5s, 2m, 1h or milliseconds");
    }
    p.delays_ms.push_back(std::stoll(item) * unit);
  }
  if (p.delays_ms.size() > 50) return InvalidArgument("retry schedule has too many entries");
  return p;
}

std::optional<TimeMs> NextAttemptAt(const RetryPolicy& p, int attempts_done, TimeMs now, double unit_random) {
  if (attempts_done < 1 || attempts_done > static_cast<int>(p.delays_ms.size())) return std::nullopt;
  const double factor = 1.0 + p.jitter * (2.0 * unit_random - 1.0);
  return now + static_cast<TimeMs>(std::llround(static_cast<double>(p.delays_ms[attempts_done - 1]) * factor));
}

}  // namespace connecthub::webhooks
