// HTTP request and response as plain data, so handlers, the router and their tests never include
// Beast. src/http/server.cc converts to and from Beast's types.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

namespace connecthub::http {

// Query parameters in order, percent-decoded; a key may repeat (arrays are repeated keys).
using QueryParams = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // raw request target
  std::string path;    // raw path, without the query
  QueryParams query;
  std::map<std::string, std::string> headers;  // names lower-cased; repeated headers joined by ", "
  std::string body;
  std::string remote_ip;
  std::string request_id;
  std::map<std::string, std::string> params;  // path parameters, percent-decoded
  std::string route;                           // the matched route pattern, for logs and metrics
  bool admitted = false;                       // the router's guard has let it through once already

  std::string_view Header(std::string_view name) const {
    auto it = headers.find(std::string(name));
    return it == headers.end() ? std::string_view() : std::string_view(it->second);
  }
  std::string_view Param(std::string_view name) const {
    auto it = params.find(std::string(name));
    return it == params.end() ? std::string_view() : std::string_view(it->second);
  }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  void SetHeader(std::string name, std::string value) {
    for (auto& h : headers) {
      if (h.first == name) {
        h.second = std::move(value);
        return;
      }
    }
    headers.emplace_back(std::move(name), std::move(value));
  }
};

Response JsonResponse(int status, const boost::json::value& body);

}  // namespace connecthub::http
