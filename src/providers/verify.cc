#include "providers/verify.h"

#include <algorithm>

#include "crypto/crypto.h"
#include "providers/catalog.h"

namespace connecthub {

http::OutboundRequest BuildVerifyRequest(const VerifyRequest& v, const std::map<std::string, std::string>& creds,
                                         const std::optional<std::string>& base_url_override) {
  http::OutboundRequest r;
  r.method = v.method;
  std::string base;
  if (base_url_override && !base_url_override->empty()) {
    base = *base_url_override;
  } else if (v.base_url.size() > 2 && v.base_url.front() == '{' && v.base_url.back() == '}' &&
             v.base_url.find('{', 1) == std::string::npos) {
    // The whole base URL is a user field (e.g. a self-hosted SCIM bridge); its pattern requires https.
    base = ExpandTemplate(v.base_url, creds, false);
  } else {
    base = ExpandTemplate(v.base_url, creds, true);
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string url = base + ExpandTemplate(v.path, creds, true);
  if (v.auth_type == "query") {
    url += (url.find('?') == std::string::npos ? "?" : "&") + ExpandTemplate(v.auth_name, creds, true) + "=" +
           ExpandTemplate(v.auth_value, creds, true);
  }
  r.url = std::move(url);
  for (const auto& [k, val] : v.headers) r.headers[k] = ExpandTemplate(val, creds, false);
  if (v.auth_type == "basic") {
    r.headers["Authorization"] = "Basic " + crypto::Base64Encode(ExpandTemplate(v.auth_username, creds, false) + ":" +
                                                                 ExpandTemplate(v.auth_password, creds, false));
  } else if (v.auth_type == "bearer") {
    r.headers["Authorization"] = "Bearer " + ExpandTemplate(v.auth_token, creds, false);
  } else if (v.auth_type == "header") {
    r.headers[v.auth_name] = ExpandTemplate(v.auth_value, creds, false);
  }
  if (!v.body.empty()) {
    r.body = v.body;
    if (!r.headers.count("Content-Type")) r.headers["Content-Type"] = "application/json";
  }
  return r;
}

bool VerifyAccepted(const VerifyRequest& v, int status) {
  return std::find(v.expect_status.begin(), v.expect_status.end(), status) != v.expect_status.end();
}

}  // namespace connecthub
