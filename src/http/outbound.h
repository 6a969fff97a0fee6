// Outbound HTTP(S) requests: provider credential checks (and webhook deliveries). Blocking, with a
// hard overall timeout, a response-size cap and no redirects. Safe to call from many threads.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/result.h"

namespace connecthub::http {

struct OutboundRequest {
  std::string method = "GET";
  std::string url;  // http:// or https://
  std::map<std::string, std::string> headers;
  std::string body;
  int timeout_ms = 8000;
  size_t max_response_bytes = 64 * 1024;
  // Refuse loopback, link-local, private and other non-public addresses (after DNS resolution, so a
  // public name pointing at a private address is refused too).
  bool public_only = true;
};

struct OutboundResponse {
  int status = 0;
  std::string body;  // truncated to max_response_bytes
  std::map<std::string, std::string> headers;  // lower-cased names
};

class OutboundClient {
 public:
  virtual ~OutboundClient() = default;
  // kUnavailable for network failures and timeouts; kInvalidArgument for a bad or refused URL.
  virtual Result<OutboundResponse> Send(const OutboundRequest& req) = 0;
};

// The real client (Beast + OpenSSL, system CA store, SNI, hostname verification).
std::unique_ptr<OutboundClient> MakeOutboundClient();

// True for addresses a server must not be tricked into calling by default.
bool IsNonPublicAddress(const std::string& ip);

}  // namespace connecthub::http
