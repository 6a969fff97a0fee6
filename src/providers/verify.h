// Builds the credential check request a catalog entry describes. Pure; the caller sends it.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "core/provider.h"
#include "http/outbound.h"

namespace connecthub {

// `base_url_override` (an integration's base_url setting) replaces the entry's base_url, e.g. to aim
// the check at a local fake provider in tests or at a provider's regional host.
http::OutboundRequest BuildVerifyRequest(const VerifyRequest& v, const std::map<std::string, std::string>& creds,
                                         const std::optional<std::string>& base_url_override);

// Whether the provider's answer accepts the credentials.
bool VerifyAccepted(const VerifyRequest& v, int status);

}  // namespace connecthub
