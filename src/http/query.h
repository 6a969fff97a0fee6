// Parsing of request targets: path segments and query strings, percent-decoded, with clear failures.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "http/message.h"

namespace connecthub::http {

// Decodes %XX escapes; `plus_is_space` for query strings. nullopt on a malformed escape or a NUL.
std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space);
// Splits "/a/b%2Fc/" into decoded segments {"a", "b/c"} (an empty trailing segment is dropped).
Result<std::vector<std::string>> SplitPath(std::string_view path);
Result<QueryParams> ParseQuery(std::string_view query);

// All values of a key (repeated keys form arrays).
std::vector<std::string> QueryAll(const QueryParams& q, std::string_view key);
std::optional<std::string> QueryFirst(const QueryParams& q, std::string_view key);

}  // namespace connecthub::http
