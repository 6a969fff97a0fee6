// A small HTTP/1.1 server for the example (Boost.Beast): reads each request with limits and
// timeouts, hands it to one handler function, writes the answer. Nothing here knows the app.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace example {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query
  std::string query;   // after '?', undecoded
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using Handler = std::function<HttpResponse(const HttpRequest&)>;

// Serves on host:port until SIGINT or SIGTERM. The handler may block (it calls connecthub): each
// request holds one of `threads` threads. Request bodies are capped at 64 KiB; a request must
// arrive within 15 s, and idle keep-alive connections close after 30 s. Returns a process exit code.
int RunHttpServer(const std::string& host, unsigned short port, Handler handler, int threads = 4);

}  // namespace example
