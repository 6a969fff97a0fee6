// Web origins (scheme://host[:port]) as a project's allowed-origins setting holds them. They end up in
// a Content-Security-Policy header (frame-ancestors) and are compared with the origin a browser
// reports for a postMessage sender, so only the exact, serialized form is accepted.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace connecthub {

// Checks and normalizes an origin: http or https, a host name (letters, digits, '-', '.'), an IPv4
// address or a bracketed IPv6 address, an optional port 1-65535, nothing else (no path, query,
// user info or wildcard; a single trailing '/' is dropped). Scheme and host are lower-cased and a
// default port (80 for http, 443 for https) is removed, as browsers serialize origins.
Result<std::string> NormalizeOrigin(std::string_view s);

}  // namespace connecthub
