// Strict reading of JSON request bodies: bounded depth, valid UTF-8, typed field access with
// messages that name the field. Absent and null are the same for optional fields.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/result.h"

namespace connecthub::json {

inline constexpr int kMaxDepth = 32;

// Parses a whole body that must be a JSON object. Rejects invalid UTF-8, nesting deeper than
// kMaxDepth, duplicate keys (different parsers would disagree on which one wins) and trailing data.
Result<boost::json::object> ParseObject(std::string_view body);
// Same rules for any JSON value (used for catalog and config files).
Result<boost::json::value> ParseValue(std::string_view text);

// Number of Unicode code points in valid UTF-8.
size_t Utf8Length(std::string_view s);

// Optional string: absent or null -> nullopt. Rejects non-strings, NUL bytes, and more than
// max_chars code points.
Result<std::optional<std::string>> OptString(const boost::json::object& o, std::string_view key, size_t max_chars);
// Required non-empty string (after trimming nothing: whitespace-only counts as empty).
Result<std::string> ReqString(const boost::json::object& o, std::string_view key, size_t max_chars);
Result<std::optional<bool>> OptBool(const boost::json::object& o, std::string_view key);
// Integer given as a JSON number without a fractional part.
Result<std::optional<int64_t>> OptInt(const boost::json::object& o, std::string_view key);
// Optional object serialized back to compact JSON, bounded in bytes.
Result<std::optional<std::string>> OptObjectJson(const boost::json::object& o, std::string_view key,
                                                 size_t max_bytes);

std::string Serialize(const boost::json::value& v);

}  // namespace connecthub::json
