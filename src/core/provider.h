// A catalog entry: what the hub asks the end user for and how the server checks it.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace connecthub {

struct FieldOption {
  std::string label;
  std::string value;
};

struct FieldDef {
  std::string key;
  std::string label;
  std::string type = "text";  // text | password | number | select | text_area
  bool required = false;
  bool secret = false;
  std::string placeholder;
  std::string description;
  std::string pattern;  // ECMAScript, anchored; empty = none
  std::string pattern_error;
  std::vector<FieldOption> options;
  std::optional<std::string> default_value;
  std::shared_ptr<const std::regex> regex;  // compiled `pattern`
};

// A single request that proves credentials work (2xx-like expected status).
struct VerifyRequest {
  std::string method = "GET";
  std::string base_url;  // may hold {field} templates; an integration's base_url setting replaces it
  std::string path;
  std::string auth_type = "none";  // none | basic | bearer | header | query
  std::string auth_username, auth_password, auth_token, auth_name, auth_value;
  std::map<std::string, std::string> headers;
  std::string body;
  std::vector<int> expect_status{200};
};

struct ProviderDef {
  std::string key;
  std::string name;
  std::string category;
  std::string logo;  // file name of the bundled SVG
  std::string description;
  std::string support_url;
  std::vector<FieldDef> fields;
  std::optional<VerifyRequest> verify;

  const FieldDef* FindField(std::string_view k) const {
    for (const auto& f : fields)
      if (f.key == k) return &f;
    return nullptr;
  }
};

}  // namespace connecthub
