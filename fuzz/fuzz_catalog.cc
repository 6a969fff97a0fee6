// libFuzzer target: the provider catalog loader (Catalog::Load): strict JSON, every entry's keys,
// field definitions, validation patterns (std::regex) and verification-request templates.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "providers/catalog.h"

using namespace connecthub;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto cat = Catalog::Load(text);
  if (!cat.ok()) {
    if (cat.error().message.rfind("catalog: ", 0) != 0) std::abort();  // errors say where they come from
    return 0;
  }
  for (const auto& p : (*cat)->providers()) {
    if (p.key.empty() || p.fields.empty()) std::abort();
    if ((*cat)->Find(p.key) != &p) std::abort();
    std::map<std::string, std::string> values;
    for (const auto& f : p.fields) {
      if (f.key.empty() || p.FindField(f.key) != &f) std::abort();
      if (!f.pattern.empty() && !f.regex) std::abort();
      if (f.type == "select" && f.options.empty()) std::abort();
      values[f.key] = "v/" + f.key + " &?";
    }
    if (p.verify) {
      const auto& v = *p.verify;
      // Every template was checked to name only known fields, so expansion leaves no '{'.
      for (const auto* t : {&v.base_url, &v.path, &v.auth_username, &v.auth_password, &v.auth_token, &v.auth_value}) {
        std::string out = ExpandTemplate(*t, values, true);
        std::string raw = ExpandTemplate(*t, values, false);
        if (out.find('{') != std::string::npos || raw.find('{') != std::string::npos) std::abort();
      }
      for (const auto& [k, val] : v.headers)
        if (ExpandTemplate(val, values, false).find('{') != std::string::npos) std::abort();
      if (v.expect_status.empty()) std::abort();
    }
  }
  return 0;
}
