// libFuzzer target: credentials from request headers: the Basic-auth API key
// (http::ParseBasicApiKey) and the hub session token shape check (http::LooksLikeToken).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "crypto/crypto.h"
#include "http/auth.h"

using namespace connecthub;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view h(reinterpret_cast<const char*>(data), size);

  const bool token_ok = http::LooksLikeToken(h);
  if (token_ok) {
    if (h.empty() || h.size() > 512) std::abort();
    for (unsigned char c : h)
      if (c <= 0x20 || c >= 0x7f) std::abort();
  }

  auto key = http::ParseBasicApiKey(h);
  if (key) {
    // Whatever is accepted as an API key is a printable, bounded, colon-free token.
    if (!http::LooksLikeToken(*key)) std::abort();
    if (key->find(':') != std::string::npos) std::abort();
  }

  // The same bytes as the base64 payload of a Basic header: "Basic " + b64(user:pass).
  std::string b64 = crypto::Base64Encode(h);
  auto again = http::ParseBasicApiKey("Basic " + b64);
  if (b64.size() <= 1024) {
    std::string_view user = h.substr(0, h.find(':'));
    const bool expect = !user.empty() && http::LooksLikeToken(user);
    if (expect != again.has_value()) std::abort();
    if (again && *again != user) std::abort();
  } else if (again) {
    std::abort();  // over the 1024-character bound: refused
  }
  // Scheme is case-insensitive and surrounding spaces are ignored.
  auto upper = http::ParseBasicApiKey("BASIC   " + b64 + "  ");
  if (b64.size() <= 1024 && upper != again) std::abort();
  return 0;
}
