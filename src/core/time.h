// Time as int64 milliseconds since the Unix epoch (UTC) everywhere in the domain and the stores;
// formatted as ISO-8601 with a 'Z' only at the edges.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace connecthub {

using TimeMs = int64_t;

// Source of the current time; tests inject a fixed or stepping clock.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimeMs NowMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimeMs NowMs() const override;
};

// "2024-05-01T12:00:00.000Z"
std::string FormatIso(TimeMs ms);
// Parses the form FormatIso writes (and without milliseconds); nullopt on anything else.
std::optional<TimeMs> ParseIso(std::string_view s);

}  // namespace connecthub
