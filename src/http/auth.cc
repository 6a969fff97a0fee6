#include "http/auth.h"

#include <algorithm>
#include <cctype>

#include "crypto/crypto.h"

namespace connecthub::http {

std::optional<std::string> ParseBasicApiKey(std::string_view h) {
  // Scheme names are case-insensitive (RFC 9110).
  if (h.size() < 6) return std::nullopt;
  std::string scheme(h.substr(0, 6));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  if (scheme != "basic ") return std::nullopt;
  std::string_view b64 = h.substr(6);
  while (!b64.empty() && b64.front() == ' ') b64.remove_prefix(1);
  while (!b64.empty() && b64.back() == ' ') b64.remove_suffix(1);
  if (b64.empty() || b64.size() > 1024) return std::nullopt;
  auto decoded = crypto::Base64Decode(b64);
  if (!decoded.ok()) return std::nullopt;
  std::string user = *decoded;
  if (auto colon = user.find(':'); colon != std::string::npos) user.resize(colon);
  if (user.empty() || !LooksLikeToken(user)) return std::nullopt;
  return user;
}

bool LooksLikeToken(std::string_view t) {
  if (t.empty() || t.size() > 512) return false;
  return std::all_of(t.begin(), t.end(), [](unsigned char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace connecthub::http
