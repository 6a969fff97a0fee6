// Standard Webhooks signatures (https://www.standardwebhooks.com): secrets are "whsec_" + base64 of
// random bytes; a signature is "v1," + base64(HMAC-SHA256(secret bytes, "<id>.<timestamp>.<body>")).
// HMAC (not a bare hash of secret+body) is what makes the signature safe from length extension.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace connecthub::webhooks {

std::string NewSecret();  // whsec_ + base64(32 random bytes)
// "v1,<base64>" for one secret; kInvalidArgument if the secret is malformed.
Result<std::string> Sign(std::string_view secret, std::string_view msg_id, int64_t timestamp_s, std::string_view body);
// The webhook-signature header value: space-separated signatures, one per secret (several during a
// secret rotation, so receivers holding either secret accept the message).
Result<std::string> SignatureHeader(const std::vector<std::string>& secrets, std::string_view msg_id, int64_t timestamp_s,
                                    std::string_view body);

}  // namespace connecthub::webhooks
