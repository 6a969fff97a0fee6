// libFuzzer target: what an end user types into the hub: ValidateCredentials against a provider of
// the bundled catalog (first input byte picks the provider; the rest is the `credentials` JSON
// object), new-account and edit (with stored values) forms, and the stored-form round trip.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "core/credentials.h"
#include "core/json_util.h"
#include "providers/catalog.h"

using namespace connecthub;

namespace {
const Catalog& Bundled() {
  static std::shared_ptr<const Catalog> cat = [] {
    auto c = Catalog::LoadBundled();
    if (!c.ok()) {
      std::fprintf(stderr, "bundled catalog does not load: %s\n", c.error().message.c_str());
      std::abort();
    }
    return *c;
  }();
  return *cat;
}

void CheckAccepted(const ProviderDef& p, const Credentials& c) {
  for (const auto& [k, v] : c) {
    if (!p.FindField(k)) std::abort();  // only the provider's fields are kept
    if (v.find('\0') != std::string::npos) std::abort();
    if (json::Utf8Length(v) > kMaxCredentialChars) std::abort();
  }
  for (const auto& f : p.fields)
    if (f.required && !c.count(f.key)) std::abort();
  // Stored form round-trips exactly.
  auto back = CredentialsFromJson(CredentialsToJson(c));
  if (!back.ok() || *back != c) std::abort();
  // What GET /hub/accounts/{id} shows never contains a secret's value.
  auto setup = SetupInformation(p, c);
  auto secrets = SecretPlaceholders(p, c);
  for (const auto& f : p.fields) {
    if (!f.secret) continue;
    if (setup.contains(f.key)) std::abort();
    if (auto it = secrets.find(f.key); it != secrets.end() && it->value().as_string() != kSecretPlaceholder) std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Catalog& cat = Bundled();
  if (size < 1 || cat.providers().empty()) return 0;
  const ProviderDef& p = cat.providers()[data[0] % cat.providers().size()];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  auto obj = json::ParseObject(body);
  if (!obj.ok()) return 0;

  auto fresh = ValidateCredentials(p, *obj, nullptr);
  if (fresh.ok()) {
    CheckAccepted(p, *fresh);
  } else if (fresh.error().code != ErrorCode::kInvalidArgument || fresh.error().message.empty()) {
    std::abort();
  }

  // Editing: stored values of the right shape, then the fuzzed submission on top.
  Credentials stored;
  for (const auto& f : p.fields) {
    if (f.type == "select" && !f.options.empty()) stored[f.key] = f.options.front().value;
  }
  auto edited = ValidateCredentials(p, *obj, fresh.ok() ? &*fresh : &stored);
  if (edited.ok()) {
    CheckAccepted(p, *edited);
    // Submitting the placeholder for a secret keeps the stored value.
    if (fresh.ok()) {
      boost::json::object keep;
      for (const auto& f : p.fields)
        if (f.secret && fresh->count(f.key)) keep[f.key] = std::string(kSecretPlaceholder);
      auto kept = ValidateCredentials(p, keep, &*fresh);
      if (!kept.ok() || *kept != *fresh) std::abort();
    }
  } else if (edited.error().message.empty()) {
    std::abort();
  }
  return 0;
}
