// Checking what an end user typed against a provider's field definitions, before anything is stored
// or sent to the provider. Messages are shown to the end user, so they use the field's label.
#pragma once

#include <map>
#include <string>

#include <boost/json/object.hpp>

#include "core/provider.h"
#include "core/result.h"

namespace connecthub {

using Credentials = std::map<std::string, std::string>;

inline constexpr size_t kMaxCredentialChars = 16 * 1024;  // a PEM private key fits; nothing larger is a credential
inline constexpr size_t kMaxPatternedChars = 2048;         // std::regex recursion depth grows with input length
// What GET /hub/accounts/{id} shows in place of a stored secret; sent back unchanged it means "keep".
inline constexpr std::string_view kSecretPlaceholder = "********";

// `submitted` is the hub's `credentials` object. With `stored` (editing an account), fields left out,
// empty, or equal to kSecretPlaceholder keep their stored values. Returns the complete credentials.
Result<Credentials> ValidateCredentials(const ProviderDef& provider, const boost::json::object& submitted,
                                        const Credentials* stored);

// Serialized form that gets encrypted, and back.
std::string CredentialsToJson(const Credentials& c);
Result<Credentials> CredentialsFromJson(std::string_view json);

// The split GET /hub/accounts/{id} returns: non-secret values, and placeholders for secrets.
boost::json::object SetupInformation(const ProviderDef& provider, const Credentials& c);
boost::json::object SecretPlaceholders(const ProviderDef& provider, const Credentials& c);

}  // namespace connecthub
