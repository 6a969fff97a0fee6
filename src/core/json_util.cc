#include "core/json_util.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace connecthub::json {
namespace bj = boost::json;

namespace {

// A validating pass with boost::json::basic_parser that tracks object keys per nesting level to
// refuse duplicate keys (the DOM parser silently keeps one of them), and refuses numbers a double
// cannot hold: Boost.JSON reads 1e400 as infinity and 0e400 as NaN, and would write them back as the
// non-JSON words Infinity and NaN, so such a value could be stored but never read again.
struct DupKeyHandler {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  std::vector<std::vector<std::string>> keys;  // one entry per open container (arrays: unused)
  std::vector<bool> is_object;
  std::string key_buf;
  bool duplicate = false;
  std::string duplicate_key;
  bool nonfinite = false;

  bool on_document_begin(bj::error_code&) { return true; }
  bool on_document_end(bj::error_code&) { return true; }
  bool on_object_begin(bj::error_code&) {
    keys.emplace_back();
    is_object.push_back(true);
    return true;
  }
  bool on_object_end(std::size_t, bj::error_code&) {
    keys.pop_back();
    is_object.pop_back();
    return true;
  }
  bool on_array_begin(bj::error_code&) {
    keys.emplace_back();
    is_object.push_back(false);
    return true;
  }
  bool on_array_end(std::size_t, bj::error_code&) {
    keys.pop_back();
    is_object.pop_back();
    return true;
  }
  bool on_key_part(bj::string_view s, std::size_t, bj::error_code&) {
    key_buf.append(s.data(), s.size());
    return true;
  }
  bool on_key(bj::string_view s, std::size_t, bj::error_code& ec) {
    key_buf.append(s.data(), s.size());
    auto& level = keys.back();
    if (std::find(level.begin(), level.end(), key_buf) != level.end()) {
      duplicate = true;
      duplicate_key = key_buf;
      ec = bj::error::syntax;
      key_buf.clear();
      return false;
    }
    level.push_back(std::move(key_buf));
    key_buf.clear();
    return true;
  }
  bool on_string_part(bj::string_view, std::size_t, bj::error_code&) { return true; }
  bool on_string(bj::string_view, std::size_t, bj::error_code&) { return true; }
  bool on_number_part(bj::string_view, bj::error_code&) { return true; }
  bool on_int64(int64_t, bj::string_view, bj::error_code&) { return true; }
  bool on_uint64(uint64_t, bj::string_view, bj::error_code&) { return true; }
  bool on_double(double d, bj::string_view, bj::error_code& ec) {
    if (std::isfinite(d)) return true;
    nonfinite = true;
    ec = bj::error::syntax;
    return false;
  }
  bool on_bool(bool, bj::error_code&) { return true; }
  bool on_null(bj::error_code&) { return true; }
  bool on_comment_part(bj::string_view, bj::error_code&) { return true; }
  bool on_comment(bj::string_view, bj::error_code&) { return true; }
};

Status CheckKeysAndNumbers(std::string_view text) {
  bj::parse_options opt;
  opt.max_depth = kMaxDepth;
  bj::basic_parser<DupKeyHandler> p(opt);
  bj::error_code ec;
  p.write_some(false, text.data(), text.size(), ec);
  if (p.handler().duplicate) {
    return InvalidArgument("Request body has the key '" + p.handler().duplicate_key + "' more than once");
  }
  if (p.handler().nonfinite) return InvalidArgument("Request body has a number too large to represent");
  return OkStatus();  // other syntax errors are reported by the DOM parse with its message
}

Result<bj::value> ParseImpl(std::string_view text) {
  bj::parse_options opt;
  opt.max_depth = kMaxDepth;
  bj::error_code ec;
  bj::value v = bj::parse(bj::string_view(text.data(), text.size()), ec, {}, opt);
  if (ec) {
    if (ec == bj::error::too_deep) {
      return InvalidArgument("Request body is nested more than " + std::to_string(kMaxDepth) + " levels deep");
    }
    return InvalidArgument("Request body is not valid JSON (" + ec.message() + ")");
  }
  CH_TRY_STATUS(CheckKeysAndNumbers(text));
  return v;
}

}  // namespace

Result<bj::object> ParseObject(std::string_view body) {
  if (body.empty()) return InvalidArgument("Request body is empty; expected a JSON object");
  CH_TRY(bj::value v, ParseImpl(body));
  if (!v.is_object()) return InvalidArgument("Request body must be a JSON object");
  return std::move(v.as_object());
}

Result<bj::value> ParseValue(std::string_view text) { return ParseImpl(text); }

size_t Utf8Length(std::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

Result<std::optional<std::string>> OptString(const bj::object& o, std::string_view key, size_t max_chars) {
  auto it = o.find(bj::string_view(key.data(), key.size()));
  if (it == o.end() || it->value().is_null()) return std::optional<std::string>();
  if (!it->value().is_string()) return InvalidArgument(std::string(key) + " must be a string");
  const auto& s = it->value().get_string();
  std::string_view sv(s.data(), s.size());
  if (sv.find('\0') != std::string_view::npos) return InvalidArgument(std::string(key) + " must not contain NUL characters");
  if (Utf8Length(sv) > max_chars) {
    return InvalidArgument(std::string(key) + " must be at most " + std::to_string(max_chars) + " characters");
  }
  return std::optional<std::string>(std::string(sv));
}

Result<std::string> ReqString(const bj::object& o, std::string_view key, size_t max_chars) {
  CH_TRY(auto v, OptString(o, key, max_chars));
  if (!v.has_value()) return InvalidArgument(std::string(key) + " is required");
  if (v->find_first_not_of(" \t\r\n") == std::string::npos) {
    return InvalidArgument(std::string(key) + " must not be empty");
  }
  return std::move(*v);
}

Result<std::optional<bool>> OptBool(const bj::object& o, std::string_view key) {
  auto it = o.find(bj::string_view(key.data(), key.size()));
  if (it == o.end() || it->value().is_null()) return std::optional<bool>();
  if (!it->value().is_bool()) return InvalidArgument(std::string(key) + " must be a boolean");
  return std::optional<bool>(it->value().get_bool());
}

Result<std::optional<int64_t>> OptInt(const bj::object& o, std::string_view key) {
  auto it = o.find(bj::string_view(key.data(), key.size()));
  if (it == o.end() || it->value().is_null()) return std::optional<int64_t>();
  const auto& v = it->value();
  if (v.is_int64()) return std::optional<int64_t>(v.get_int64());
  if (v.is_uint64()) return InvalidArgument(std::string(key) + " is out of range");
  if (v.is_double()) {
    double d = v.get_double();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) {
      return std::optional<int64_t>(static_cast<int64_t>(d));
    }
    return InvalidArgument(std::string(key) + " must be a whole number");
  }
  return InvalidArgument(std::string(key) + " must be a number");
}

Result<std::optional<std::string>> OptObjectJson(const bj::object& o, std::string_view key, size_t max_bytes) {
  auto it = o.find(bj::string_view(key.data(), key.size()));
  if (it == o.end() || it->value().is_null()) return std::optional<std::string>();
  if (!it->value().is_object()) return InvalidArgument(std::string(key) + " must be an object");
  std::string s = bj::serialize(it->value());
  if (s.size() > max_bytes) {
    return InvalidArgument(std::string(key) + " must be at most " + std::to_string(max_bytes / 1024) +
                           " KiB when serialized");
  }
  return std::optional<std::string>(std::move(s));
}

std::string Serialize(const bj::value& v) { return bj::serialize(v); }

}  // namespace connecthub::json
