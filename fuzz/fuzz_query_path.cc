// libFuzzer target: request-target parsing: http::PercentDecode, http::SplitPath, http::ParseQuery
// (what the router runs on every path and query string before any handler).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/query.h"

using namespace connecthub;

namespace {
std::string EncodeAll(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    out.push_back('%');
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);

  for (bool plus : {false, true}) {
    auto d = http::PercentDecode(in, plus);
    if (d) {
      if (d->size() > in.size()) std::abort();
      if (d->find('\0') != std::string::npos) std::abort();  // refused, raw or escaped
      if (!plus && in.find('%') == std::string_view::npos && *d != in) std::abort();
    }
  }
  // Encoding every byte and decoding gives the bytes back (NUL is refused by design).
  auto round = http::PercentDecode(EncodeAll(in), true);
  if (in.find('\0') == std::string_view::npos) {
    if (!round || *round != in) std::abort();
  } else if (round) {
    std::abort();
  }

  auto segs = http::SplitPath(in);
  if (segs.ok()) {
    if (in.empty() || in[0] != '/') std::abort();
    size_t slashes = 0;
    for (char c : in) slashes += c == '/';
    if (segs->size() > slashes) std::abort();
    if (in.find('\0') != std::string_view::npos) std::abort();
    for (const auto& s : *segs)
      if (s.find('\0') != std::string::npos) std::abort();
  }
  // The router splits the target at the first '?'.
  size_t q = in.find('?');
  if (q != std::string_view::npos) (void)http::SplitPath(in.substr(0, q));

  auto query = http::ParseQuery(q == std::string_view::npos ? in : in.substr(q + 1));
  if (query.ok()) {
    if (query->size() > 1000) std::abort();
    for (const auto& [k, v] : *query) {
      if (k.find('\0') != std::string::npos || v.find('\0') != std::string::npos) std::abort();
      auto all = http::QueryAll(*query, k);
      auto first = http::QueryFirst(*query, k);
      if (all.empty() || !first || *first != all.front()) std::abort();
    }
  }
  return 0;
}
