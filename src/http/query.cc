#include "http/query.h"

namespace connecthub::http {

namespace {
int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    // NUL is refused raw or escaped: ids and filters end up in C strings and SQL text, where it
    // would truncate or be rejected further down. Beast never passes a raw one, but we do not rely on it.
    if (c == '\0') return std::nullopt;
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = HexVal(s[i + 1]), lo = HexVal(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      char d = static_cast<char>(hi * 16 + lo);
      if (d == '\0') return std::nullopt;
      out.push_back(d);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<std::vector<std::string>> SplitPath(std::string_view path) {
  if (path.empty() || path[0] != '/') return InvalidArgument("request path must start with '/'");
  std::vector<std::string> segs;
  size_t pos = 1;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    std::string_view raw = path.substr(pos, next - pos);
    auto dec = PercentDecode(raw, false);
    if (!dec) return InvalidArgument("request path has a malformed percent-escape");
    segs.push_back(std::move(*dec));
    pos = next + 1;
  }
  if (!segs.empty() && segs.back().empty()) segs.pop_back();
  return segs;
}

Result<QueryParams> ParseQuery(std::string_view q) {
  QueryParams out;
  size_t pos = 0;
  while (pos < q.size()) {
    size_t amp = q.find('&', pos);
    if (amp == std::string_view::npos) amp = q.size();
    std::string_view pair = q.substr(pos, amp - pos);
    pos = amp + 1;
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto key = PercentDecode(pair.substr(0, eq), true);
    auto val = PercentDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!key || !val) return InvalidArgument("query string has a malformed percent-escape");
    out.emplace_back(std::move(*key), std::move(*val));
    if (out.size() > 1000) return InvalidArgument("query string has too many parameters");
  }
  return out;
}

std::vector<std::string> QueryAll(const QueryParams& q, std::string_view key) {
  std::vector<std::string> out;
  for (const auto& [k, v] : q)
    if (k == key) out.push_back(v);
  return out;
}

std::optional<std::string> QueryFirst(const QueryParams& q, std::string_view key) {
  for (const auto& [k, v] : q)
    if (k == key) return v;
  return std::nullopt;
}

}  // namespace connecthub::http
