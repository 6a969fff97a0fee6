#include "webhooks/endpoints.h"

#include <algorithm>

#include <boost/url/parse.hpp>

#include "http/outbound.h"

namespace connecthub::webhooks {

namespace {
std::string Aad(std::string_view endpoint_id) { return "connecthub/webhook-secret/v1/" + std::string(endpoint_id); }
}  // namespace

Status ValidateUrl(std::string_view url, bool allow_private) {
  if (url.size() > 2048) return InvalidArgument("webhook URL is too long");
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u) return InvalidArgument("webhook URL is not a valid absolute URL");
  if (u->scheme() != "https" && u->scheme() != "http") return InvalidArgument("webhook URL must be http:// or https://");
  if (u->has_userinfo()) return InvalidArgument("webhook URL must not contain credentials");
  std::string host(u->encoded_host());
  if (host.empty()) return InvalidArgument("webhook URL has no host");
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  std::string lower = host;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  const bool is_ip = host.find_first_not_of("0123456789.") == std::string::npos || host.find(':') != std::string::npos;
  const bool local_name = lower == "localhost" || (lower.size() > 10 && lower.substr(lower.size() - 10) == ".localhost");
  if (!allow_private && (local_name || (is_ip && http::IsNonPublicAddress(host)))) {
    return InvalidArgument("webhook URL points at a loopback or private address (allowed only with CONNECTHUB_WEBHOOK_ALLOW_PRIVATE=1)");
  }
  return OkStatus();
}

Result<std::vector<std::string>> ParseEvents(std::string_view text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string_view::npos) comma = text.size();
    std::string e(text.substr(pos, comma - pos));
    pos = comma + 1;
    if (e.empty()) continue;
    if (std::find(std::begin(kEvents), std::end(kEvents), e) == std::end(kEvents)) {
      return InvalidArgument("unknown event '" + e + "' (known: account.created, account.updated, account.deleted)");
    }
    if (std::find(out.begin(), out.end(), e) == out.end()) out.push_back(e);
  }
  if (out.empty()) out.assign(std::begin(kEvents), std::end(kEvents));
  return out;
}

std::string EncryptSecret(const crypto::Keyring& ring, std::string_view endpoint_id, std::string_view secret) {
  return ring.Encrypt(secret, Aad(endpoint_id));
}

Result<std::vector<std::string>> ActiveSecrets(const crypto::Keyring& ring, const WebhookEndpoint& w, TimeMs now) {
  std::vector<std::string> out;
  CH_TRY(std::string current, ring.Decrypt(w.secret_ciphertext, Aad(w.id)));
  out.push_back(std::move(current));
  if (w.previous_secret_ciphertext && w.previous_secret_expires_at && now < *w.previous_secret_expires_at) {
    CH_TRY(std::string prev, ring.Decrypt(*w.previous_secret_ciphertext, Aad(w.id)));
    out.push_back(std::move(prev));
  }
  return out;
}

}  // namespace connecthub::webhooks
