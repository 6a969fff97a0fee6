#include "core/origin.h"

#include <cctype>

namespace connecthub {

namespace {
char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool ValidHostName(std::string_view h) {
  if (h.empty() || h.size() > 253 || h.front() == '.' || h.front() == '-' || h.back() == '-') return false;
  size_t label = 0;
  for (size_t i = 0; i < h.size(); ++i) {
    char c = h[i];
    if (c == '.') {
      if (label == 0 || h[i - 1] == '-') return false;  // empty label, or one ending in '-'
      label = 0;
      continue;
    }
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-')) return false;
    if (c == '-' && label == 0) return false;
    if (++label > 63) return false;
  }
  return true;
}

bool ValidIpv6(std::string_view h) {  // inside the brackets
  if (h.empty() || h.size() > 45) return false;
  for (char c : h)
    if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.')) return false;
  return h.find(':') != std::string_view::npos;
}
}  // namespace

Result<std::string> NormalizeOrigin(std::string_view s) {
  const std::string shown(s.substr(0, 80));
  auto bad = [&](std::string_view why) {
    return InvalidArgument("origin '" + shown + "' is not valid: " + std::string(why) +
                           " (expected scheme://host[:port], e.g. https://app.example.com)");
  };
  if (s.size() > 255) return bad("too long");
  std::string lower;
  for (char c : s) lower.push_back(Lower(c));
  std::string_view v(lower);
  std::string scheme;
  if (v.rfind("https://", 0) == 0) {
    scheme = "https";
  } else if (v.rfind("http://", 0) == 0) {
    scheme = "http";
  } else {
    return bad("the scheme must be http or https");
  }
  v.remove_prefix(scheme.size() + 3);
  if (!v.empty() && v.back() == '/') v.remove_suffix(1);
  if (v.find_first_of("/?#@\\ ") != std::string_view::npos) return bad("an origin has no path, query or user info");
  if (v.empty()) return bad("the host is missing");

  std::string_view host = v, port;
  if (v.front() == '[') {
    size_t close = v.find(']');
    if (close == std::string_view::npos || !ValidIpv6(v.substr(1, close - 1))) return bad("the IPv6 address is malformed");
    host = v.substr(0, close + 1);
    std::string_view rest = v.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return bad("unexpected text after the IPv6 address");
      port = rest.substr(1);
      if (port.empty()) return bad("the port is empty");
    }
  } else {
    size_t colon = v.rfind(':');
    if (colon != std::string_view::npos) {
      host = v.substr(0, colon);
      port = v.substr(colon + 1);
      if (port.empty()) return bad("the port is empty");
    }
    if (!ValidHostName(host)) return bad("the host name is malformed (wildcards are not supported)");
  }
  if (!port.empty()) {
    if (port.size() > 5) return bad("the port is out of range");
    unsigned n = 0;
    for (char c : port) {
      if (c < '0' || c > '9') return bad("the port is not a number");
      n = n * 10 + static_cast<unsigned>(c - '0');
    }
    if (n == 0 || n > 65535) return bad("the port is out of range");
    if ((scheme == "http" && n == 80) || (scheme == "https" && n == 443)) port = {};
    else port = port.substr(port.find_first_not_of('0'));
  }
  std::string out = scheme + "://" + std::string(host);
  if (!port.empty()) out += ":" + std::string(port);
  return out;
}

}  // namespace connecthub
