// The provider catalog: loaded once at start-up from JSON (bundled in the binary, or a file given
// with --catalog), validated strictly, then read-only and shared by every thread.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/provider.h"
#include "core/result.h"

namespace connecthub {

class Catalog {
 public:
  // Parses and validates. Errors name the entry ("providers[3] (bamboohr): fields[1].pattern: ...").
  static Result<std::shared_ptr<const Catalog>> Load(std::string_view json);
  // The catalog compiled into the binary.
  static Result<std::shared_ptr<const Catalog>> LoadBundled();

  const ProviderDef* Find(std::string_view key) const;
  const std::vector<ProviderDef>& providers() const { return providers_; }
  // Bundled logo SVG by file name, or nullptr.
  const std::string* Logo(std::string_view file) const;

 private:
  std::vector<ProviderDef> providers_;
  std::map<std::string, size_t, std::less<>> index_;
  std::map<std::string, std::string, std::less<>> logos_;
};

// Expands {field} templates with credential values. `encode` percent-encodes each value (for URLs).
std::string ExpandTemplate(std::string_view tmpl, const std::map<std::string, std::string>& values, bool encode);

}  // namespace connecthub
