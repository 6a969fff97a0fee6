#include "webhooks/signing.h"

#include "crypto/crypto.h"

namespace connecthub::webhooks {

std::string NewSecret() {
  std::string raw = crypto::RandomBytes(32);
  std::string secret = "whsec_" + crypto::Base64Encode(raw);
  crypto::Wipe(raw);
  return secret;
}

Result<std::string> Sign(std::string_view secret, std::string_view msg_id, int64_t timestamp_s, std::string_view body) {
  if (secret.substr(0, 6) == "whsec_") secret.remove_prefix(6);
  auto key = crypto::Base64Decode(secret);
  if (!key.ok() || key->empty()) return InvalidArgument("webhook secret is malformed");
  std::string content;
  content.reserve(msg_id.size() + body.size() + 24);
  content.append(msg_id).append(".").append(std::to_string(timestamp_s)).append(".").append(body);
  std::string mac = crypto::HmacSha256(*key, content);
  crypto::Wipe(*key);
  return "v1," + crypto::Base64Encode(mac);
}

Result<std::string> SignatureHeader(const std::vector<std::string>& secrets, std::string_view msg_id, int64_t timestamp_s,
                                    std::string_view body) {
  std::string header;
  for (const auto& s : secrets) {
    CH_TRY(std::string sig, Sign(s, msg_id, timestamp_s, body));
    if (!header.empty()) header += " ";
    header += sig;
  }
  return header;
}

}  // namespace connecthub::webhooks
