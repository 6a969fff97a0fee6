#include "providers/catalog.h"

#include <algorithm>
#include <optional>
#include <set>

#include <boost/json.hpp>

#include "core/categories.h"
#include "core/embedded.h"
#include "core/json_util.h"

namespace connecthub {
namespace assets {
extern const std::vector<EmbeddedFile> kCatalogFiles;
}
namespace bj = boost::json;

namespace {

class Ctx {
 public:
  explicit Ctx(std::string where) : where_(std::move(where)) {}
  Error Fail(const std::string& what) const { return InvalidArgument("catalog: " + where_ + ": " + what); }
  const std::string& where() const { return where_; }

 private:
  std::string where_;
};

Status CheckKeys(const bj::object& o, std::initializer_list<std::string_view> allowed, const Ctx& c) {
  for (const auto& kv : o) {
    std::string_view k(kv.key().data(), kv.key().size());
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) return c.Fail("unknown key '" + std::string(k) + "'");
  }
  return OkStatus();
}

Result<std::string> Str(const bj::object& o, std::string_view key, const Ctx& c, bool required) {
  auto it = o.find(bj::string_view(key.data(), key.size()));
  if (it == o.end()) {
    if (required) return c.Fail("missing '" + std::string(key) + "'");
    return std::string();
  }
  if (!it->value().is_string()) return c.Fail("'" + std::string(key) + "' must be a string");
  return std::string(it->value().get_string());
}

bool Flag(const bj::object& o, std::string_view key) {
  auto it = o.find(bj::string_view(key.data(), key.size()));
  return it != o.end() && it->value().is_bool() && it->value().get_bool();
}

// Every {name} in a template must be a field of the provider.
Status CheckTemplate(const std::string& t, const ProviderDef& p, const Ctx& c, std::string_view what) {
  size_t pos = 0;
  while ((pos = t.find('{', pos)) != std::string::npos) {
    size_t end = t.find('}', pos);
    if (end == std::string::npos) return c.Fail(std::string(what) + ": unclosed '{'");
    std::string name = t.substr(pos + 1, end - pos - 1);
    if (!p.FindField(name)) return c.Fail(std::string(what) + ": template refers to unknown field '" + name + "'");
    pos = end + 1;
  }
  return OkStatus();
}

// Numbers std::regex would read as an int: back-references (\N) and repetition counts ({m,n}).
// libstdc++ accumulates their digits without an overflow check (undefined behaviour, found by
// fuzz_catalog), so a pattern whose number is longer than any real one could need is refused first.
std::optional<std::string> OversizedRegexNumber(std::string_view pattern) {
  constexpr size_t kMaxDigits = 4;  // {1,9999}; back-references up to \9999
  auto digits_at = [&](size_t i) {
    size_t n = 0;
    while (i + n < pattern.size() && pattern[i + n] >= '0' && pattern[i + n] <= '9') ++n;
    return n;
  };
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char ch = pattern[i];
    if (ch == '\\') {
      if (i + 1 < pattern.size() && digits_at(i + 1) > kMaxDigits) return "a back-reference number is too long";
      ++i;  // the escaped character
    } else if (ch == '[') {
      in_class = true;
    } else if (ch == ']') {
      in_class = false;
    } else if (ch == '{' && !in_class) {
      for (size_t j = i + 1; j < pattern.size() && pattern[j] != '}'; ++j) {
        if (digits_at(j) > kMaxDigits) return "a repetition count is too large";
      }
    }
  }
  return std::nullopt;
}

Result<FieldDef> ParseField(const bj::value& v, const Ctx& c) {
  if (!v.is_object()) return c.Fail("must be an object");
  const auto& o = v.get_object();
  CH_TRY_STATUS(CheckKeys(o, {"key", "label", "type", "required", "secret", "placeholder", "description", "pattern",
                              "pattern_error", "options", "default"},
                          c));
  FieldDef f;
  CH_TRY(f.key, Str(o, "key", c, true));
  if (f.key.empty() || f.key.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") != std::string::npos) {
    return c.Fail("key '" + f.key + "' must be lowercase letters, digits, '_' or '-'");
  }
  CH_TRY(f.label, Str(o, "label", c, true));
  CH_TRY(f.type, Str(o, "type", c, true));
  static const std::set<std::string> kTypes = {"text", "password", "number", "select", "text_area"};
  if (!kTypes.count(f.type)) return c.Fail("type '" + f.type + "' is not one of text, password, number, select, text_area");
  f.required = Flag(o, "required");
  f.secret = Flag(o, "secret");
  CH_TRY(f.placeholder, Str(o, "placeholder", c, false));
  CH_TRY(f.description, Str(o, "description", c, false));
  CH_TRY(f.pattern, Str(o, "pattern", c, false));
  CH_TRY(f.pattern_error, Str(o, "pattern_error", c, false));
  if (!f.pattern.empty()) {
    if (auto too_big = OversizedRegexNumber(f.pattern)) return c.Fail("pattern does not compile: " + *too_big);
    try {
      f.regex = std::make_shared<const std::regex>(f.pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return c.Fail("pattern does not compile: " + std::string(e.what()));
    }
  }
  if (auto it = o.find("default"); it != o.end()) {
    if (!it->value().is_string()) return c.Fail("'default' must be a string");
    f.default_value = std::string(it->value().get_string());
  }
  if (auto it = o.find("options"); it != o.end()) {
    if (!it->value().is_array()) return c.Fail("'options' must be an array");
    for (const auto& ov : it->value().get_array()) {
      if (!ov.is_object()) return c.Fail("options entries must be objects");
      Ctx oc(c.where() + ".options");
      CH_TRY_STATUS(CheckKeys(ov.get_object(), {"label", "value"}, oc));
      FieldOption opt;
      CH_TRY(opt.label, Str(ov.get_object(), "label", oc, true));
      CH_TRY(opt.value, Str(ov.get_object(), "value", oc, true));
      f.options.push_back(std::move(opt));
    }
  }
  if (f.type == "select" && f.options.empty()) return c.Fail("a select field needs options");
  return f;
}

Result<VerifyRequest> ParseVerify(const bj::value& v, const ProviderDef& p, const Ctx& c) {
  if (!v.is_object()) return c.Fail("must be an object");
  const auto& o = v.get_object();
  CH_TRY_STATUS(CheckKeys(o, {"method", "base_url", "path", "auth", "headers", "body", "expect_status"}, c));
  VerifyRequest r;
  CH_TRY(r.method, Str(o, "method", c, true));
  if (r.method != "GET" && r.method != "POST") return c.Fail("method must be GET or POST");
  CH_TRY(r.base_url, Str(o, "base_url", c, true));
  const bool whole_field = r.base_url.size() > 2 && r.base_url.front() == '{' && r.base_url.back() == '}' &&
                           r.base_url.find('{', 1) == std::string::npos;
  if (whole_field) {
    // The user types the whole base URL (a self-hosted endpoint): its field must force https.
    const FieldDef* f = p.FindField(r.base_url.substr(1, r.base_url.size() - 2));
    if (!f || f->pattern.rfind("^https://", 0) != 0) return c.Fail("a base_url that is one field needs that field's pattern to start with ^https://");
  } else if (r.base_url.rfind("https://", 0) != 0) {
    return c.Fail("base_url must start with https://");
  }
  CH_TRY_STATUS(CheckTemplate(r.base_url, p, c, "base_url"));
  CH_TRY(r.path, Str(o, "path", c, false));
  CH_TRY_STATUS(CheckTemplate(r.path, p, c, "path"));
  CH_TRY(r.body, Str(o, "body", c, false));
  if (auto it = o.find("auth"); it != o.end()) {
    if (!it->value().is_object()) return c.Fail("auth must be an object");
    const auto& a = it->value().get_object();
    Ctx ac(c.where() + ".auth");
    CH_TRY_STATUS(CheckKeys(a, {"type", "username", "password", "token", "name", "value"}, ac));
    CH_TRY(r.auth_type, Str(a, "type", ac, true));
    if (r.auth_type == "basic") {
      CH_TRY(r.auth_username, Str(a, "username", ac, true));
      CH_TRY(r.auth_password, Str(a, "password", ac, false));
    } else if (r.auth_type == "bearer") {
      CH_TRY(r.auth_token, Str(a, "token", ac, true));
    } else if (r.auth_type == "header" || r.auth_type == "query") {
      CH_TRY(r.auth_name, Str(a, "name", ac, true));
      CH_TRY(r.auth_value, Str(a, "value", ac, true));
    } else if (r.auth_type != "none") {
      return ac.Fail("type must be none, basic, bearer, header or query");
    }
    for (const auto* t : {&r.auth_username, &r.auth_password, &r.auth_token, &r.auth_value}) {
      CH_TRY_STATUS(CheckTemplate(*t, p, ac, "auth"));
    }
  }
  if (auto it = o.find("headers"); it != o.end()) {
    if (!it->value().is_object()) return c.Fail("headers must be an object");
    for (const auto& kv : it->value().get_object()) {
      if (!kv.value().is_string()) return c.Fail("header values must be strings");
      std::string val(kv.value().get_string());
      CH_TRY_STATUS(CheckTemplate(val, p, c, "headers"));
      r.headers[std::string(kv.key())] = val;
    }
  }
  if (auto it = o.find("expect_status"); it != o.end()) {
    if (!it->value().is_array() || it->value().get_array().empty()) return c.Fail("expect_status must be a non-empty array");
    r.expect_status.clear();
    for (const auto& s : it->value().get_array()) {
      if (!s.is_int64() || s.get_int64() < 100 || s.get_int64() > 599) return c.Fail("expect_status entries must be HTTP statuses");
      r.expect_status.push_back(static_cast<int>(s.get_int64()));
    }
  }
  return r;
}

Result<ProviderDef> ParseProvider(const bj::value& v, const Ctx& c0) {
  if (!v.is_object()) return c0.Fail("must be an object");
  const auto& o = v.get_object();
  ProviderDef p;
  CH_TRY(p.key, Str(o, "key", c0, true));
  Ctx c(c0.where() + " (" + p.key + ")");
  CH_TRY_STATUS(CheckKeys(o, {"key", "name", "category", "logo", "description", "support_url", "fields", "verify"}, c));
  if (p.key.empty() || p.key.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos) {
    return c.Fail("key must be lowercase letters, digits or '_'");
  }
  CH_TRY(p.name, Str(o, "name", c, true));
  CH_TRY(p.category, Str(o, "category", c, true));
  if (!IsKnownCategory(p.category)) return c.Fail("unknown category '" + p.category + "'");
  CH_TRY(p.logo, Str(o, "logo", c, true));
  CH_TRY(p.description, Str(o, "description", c, false));
  CH_TRY(p.support_url, Str(o, "support_url", c, false));
  auto fit = o.find("fields");
  if (fit == o.end() || !fit->value().is_array() || fit->value().get_array().empty()) {
    return c.Fail("'fields' must be a non-empty array");
  }
  std::set<std::string> seen;
  size_t i = 0;
  for (const auto& fv : fit->value().get_array()) {
    CH_TRY(auto f, ParseField(fv, Ctx(c.where() + ": fields[" + std::to_string(i++) + "]")));
    if (!seen.insert(f.key).second) return c.Fail("field '" + f.key + "' appears twice");
    p.fields.push_back(std::move(f));
  }
  if (auto it = o.find("verify"); it != o.end()) {
    CH_TRY(auto vr, ParseVerify(it->value(), p, Ctx(c.where() + ": verify")));
    p.verify = std::move(vr);
  }
  return p;
}

}  // namespace

Result<std::shared_ptr<const Catalog>> Catalog::Load(std::string_view text) {
  auto parsed = json::ParseValue(text);
  if (!parsed.ok()) return InvalidArgument("catalog: " + parsed.error().message);
  if (!parsed->is_object()) return InvalidArgument("catalog: top level must be an object");
  const auto& root = parsed->get_object();
  Ctx rc("top level");
  CH_TRY_STATUS(CheckKeys(root, {"version", "providers"}, rc));
  auto pit = root.find("providers");
  if (pit == root.end() || !pit->value().is_array()) return rc.Fail("'providers' must be an array");
  auto cat = std::make_shared<Catalog>();
  size_t i = 0;
  for (const auto& pv : pit->value().get_array()) {
    CH_TRY(auto p, ParseProvider(pv, Ctx("providers[" + std::to_string(i++) + "]")));
    if (cat->index_.count(p.key)) return InvalidArgument("catalog: providers[" + std::to_string(i - 1) + "] (" + p.key + "): duplicate key");
    cat->index_[p.key] = cat->providers_.size();
    cat->providers_.push_back(std::move(p));
  }
  return std::shared_ptr<const Catalog>(std::move(cat));
}

Result<std::shared_ptr<const Catalog>> Catalog::LoadBundled() {
  const EmbeddedFile* json_file = nullptr;
  for (const auto& f : assets::kCatalogFiles)
    if (f.name == "providers.json") json_file = &f;
  if (!json_file) return Internal("catalog: providers.json is not bundled");
  CH_TRY(auto loaded, Load(json_file->data));
  auto cat = std::const_pointer_cast<Catalog>(loaded);
  for (const auto& f : assets::kCatalogFiles) {
    if (f.name.rfind("logos/", 0) == 0) cat->logos_[std::string(f.name.substr(6))] = std::string(f.data);
  }
  for (const auto& p : cat->providers_) {
    if (!cat->logos_.count(p.logo)) return InvalidArgument("catalog: provider " + p.key + ": logo '" + p.logo + "' is not bundled");
  }
  return std::shared_ptr<const Catalog>(cat);
}

const ProviderDef* Catalog::Find(std::string_view key) const {
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &providers_[it->second];
}

const std::string* Catalog::Logo(std::string_view file) const {
  auto it = logos_.find(file);
  return it == logos_.end() ? nullptr : &it->second;
}

std::string ExpandTemplate(std::string_view t, const std::map<std::string, std::string>& values, bool encode) {
  std::string out;
  size_t pos = 0;
  while (pos < t.size()) {
    size_t open = t.find('{', pos);
    if (open == std::string_view::npos) {
      out.append(t.substr(pos));
      break;
    }
    out.append(t.substr(pos, open - pos));
    size_t close = t.find('}', open);
    if (close == std::string_view::npos) {
      out.append(t.substr(open));
      break;
    }
    auto it = values.find(std::string(t.substr(open + 1, close - open - 1)));
    if (it != values.end()) {
      if (!encode) {
        out += it->second;
      } else {
        static constexpr char kHex[] = "0123456789ABCDEF";
        for (unsigned char ch : it->second) {
          if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
            out.push_back(static_cast<char>(ch));
          } else {
            out.push_back('%');
            out.push_back(kHex[ch >> 4]);
            out.push_back(kHex[ch & 15]);
          }
        }
      }
    }
    pos = close + 1;
  }
  return out;
}

}  // namespace connecthub
