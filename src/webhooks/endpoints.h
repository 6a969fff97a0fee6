// Webhook endpoints: URL rules and their signing secrets, which are stored encrypted with the same
// keyring as credentials (they must be readable to sign, so they cannot be hashed).
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "crypto/crypto.h"
#include "store/store.h"

namespace connecthub::webhooks {

inline constexpr std::string_view kEvents[] = {"account.created", "account.updated", "account.deleted"};

// Only http(s), a host, no credentials in the URL; loopback, link-local and private literal hosts
// are refused unless allow_private (resolved addresses are checked again at send time).
Status ValidateUrl(std::string_view url, bool allow_private);
Result<std::vector<std::string>> ParseEvents(std::string_view comma_separated);  // "" = all

std::string EncryptSecret(const crypto::Keyring& ring, std::string_view endpoint_id, std::string_view secret);
// The secrets to sign with now: the current one, plus the previous one while its grace period lasts.
Result<std::vector<std::string>> ActiveSecrets(const crypto::Keyring& ring, const WebhookEndpoint& w, TimeMs now);

}  // namespace connecthub::webhooks
