// HTTP/1.1 over TCP or TLS for the client: one blocking exchange per call, a whole-call deadline,
// a response-size cap, and a small pool of keep-alive connections. The only file with Beast/Asio.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "connecthub/client.h"

namespace connecthub::client::detail {

struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string retry_after;
  std::string body;
};

class Transport {
 public:
  explicit Transport(const Options& options);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Sends `method path_and_query` (path relative to the base URL's path, already percent-encoded)
  // with the API key, and `json_body` as application/json when given. Thread-safe.
  // Errors: kInvalidArgument (bad options), kTimeout, kNetwork, kBadResponse (oversized or
  // malformed HTTP). Any HTTP status, error or not, is a success here.
  Result<HttpResponse> Send(std::string_view method, std::string_view path_and_query,
                            const std::string* json_body) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace connecthub::client::detail
