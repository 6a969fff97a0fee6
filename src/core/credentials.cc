#include "core/credentials.h"

#include <cmath>
#include <cstdlib>

#include "core/json_util.h"

namespace connecthub {
namespace bj = boost::json;

namespace {

std::string Label(const FieldDef& f) { return f.label.empty() ? f.key : f.label; }

Result<std::string> ValueAsString(const FieldDef& f, const bj::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (f.type == "number" && (v.is_int64() || v.is_uint64() || v.is_double())) return json::Serialize(v);
  return InvalidArgument(Label(f) + " must be text");
}

bool IsNumber(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && std::isfinite(d);
}

Status CheckValue(const FieldDef& f, const std::string& value) {
  if (value.find('\0') != std::string::npos) return InvalidArgument(Label(f) + " contains an invalid character");
  if (json::Utf8Length(value) > kMaxCredentialChars) return InvalidArgument(Label(f) + " is too long");
  if (f.type == "number" && !IsNumber(value)) return InvalidArgument(Label(f) + " must be a number");
  if (f.type == "select") {
    bool found = false;
    for (const auto& o : f.options) found = found || o.value == value;
    if (!found) return InvalidArgument(Label(f) + " must be one of the listed options");
  }
  if (f.regex) {
    if (value.size() > kMaxPatternedChars ||
        !std::regex_match(value, *f.regex, std::regex_constants::match_default)) {
      return InvalidArgument(f.pattern_error.empty() ? Label(f) + " is not in the expected format"
                                                     : Label(f) + ": " + f.pattern_error);
    }
  }
  return OkStatus();
}

}  // namespace

Result<Credentials> ValidateCredentials(const ProviderDef& provider, const bj::object& submitted,
                                        const Credentials* stored) {
  for (const auto& kv : submitted) {
    std::string_view k(kv.key().data(), kv.key().size());
    if (!provider.FindField(k)) {
      return InvalidArgument("'" + std::string(k.substr(0, 64)) + "' is not a field of " + provider.name);
    }
  }
  Credentials out;
  for (const auto& f : provider.fields) {
    std::optional<std::string> value;
    if (auto it = submitted.find(f.key); it != submitted.end() && !it->value().is_null()) {
      CH_TRY(auto s, ValueAsString(f, it->value()));
      if (!s.empty() && !(stored && f.secret && s == kSecretPlaceholder)) value = std::move(s);
    }
    if (!value && stored) {
      if (auto it = stored->find(f.key); it != stored->end()) value = it->second;
    }
    if (!value && f.default_value) value = *f.default_value;
    if (!value) {
      if (f.required) return InvalidArgument(Label(f) + " is required");
      continue;
    }
    CH_TRY_STATUS(CheckValue(f, *value));
    out[f.key] = std::move(*value);
  }
  return out;
}

std::string CredentialsToJson(const Credentials& c) {
  bj::object o;
  for (const auto& [k, v] : c) o[k] = v;
  return json::Serialize(o);
}

Result<Credentials> CredentialsFromJson(std::string_view text) {
  CH_TRY(auto o, json::ParseObject(text));
  Credentials c;
  for (const auto& kv : o) {
    if (!kv.value().is_string()) return Internal("stored credentials are malformed");
    c[std::string(kv.key())] = std::string(kv.value().get_string());
  }
  return c;
}

bj::object SetupInformation(const ProviderDef& provider, const Credentials& c) {
  bj::object o;
  for (const auto& f : provider.fields) {
    auto it = c.find(f.key);
    if (!f.secret && it != c.end()) o[f.key] = it->second;
  }
  return o;
}

bj::object SecretPlaceholders(const ProviderDef& provider, const Credentials& c) {
  bj::object o;
  for (const auto& f : provider.fields) {
    if (f.secret && c.count(f.key)) o[f.key] = std::string(kSecretPlaceholder);
  }
  return o;
}

}  // namespace connecthub
