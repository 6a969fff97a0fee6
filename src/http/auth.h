// Parsing of credentials from headers. Pure: the handlers look the results up in the store.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace connecthub::http {

// The API key from "Authorization: Basic base64(key:password)", as StackOne's SDK sends it
// (empty password; a missing ':' is accepted too). nullopt for any other scheme or malformed value.
std::optional<std::string> ParseBasicApiKey(std::string_view authorization);

// A hub session token header value: printable ASCII without spaces, bounded length.
bool LooksLikeToken(std::string_view token);

}  // namespace connecthub::http
