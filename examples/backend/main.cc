// The example backend: your SaaS's server, linking your customers' accounts through connecthub.
//
//   CONNECTHUB_API_KEY=sk_...  build/examples/backend/example_backend
//
// Environment (the API key never appears in code or on the command line):
//   CONNECTHUB_API_KEY          the connecthub project's API key (required)
//   CONNECTHUB_URL              where this server calls connecthub (default http://127.0.0.1:8080)
//   CONNECTHUB_PUBLIC_URL       where browsers reach connecthub for connect.js (default CONNECTHUB_URL)
//   CONNECTHUB_CA_FILE          extra CA certificates (PEM) for an https:// connecthub, if needed
//   EXAMPLE_BACKEND_LISTEN      host:port to serve on (default 127.0.0.1:3000)
//   EXAMPLE_BACKEND_PUBLIC_DIR  the page's files (default: examples/backend/public in the source tree)
#include <cstdlib>
#include <iostream>
#include <string>

#include <connecthub/client.h>

#include "app.h"
#include "http_server.h"

namespace {

std::string Env(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

}  // namespace

int main() {
  const std::string api_key = Env("CONNECTHUB_API_KEY", "");
  if (api_key.empty()) {
    std::cerr << "Set CONNECTHUB_API_KEY to your connecthub project's API key "
                 "(connecthub project create --name Demo prints one).\n";
    return 2;
  }
  const std::string api_url = Env("CONNECTHUB_URL", "http://127.0.0.1:8080");
  const std::string public_url = Env("CONNECTHUB_PUBLIC_URL", api_url);
  const std::string listen = Env("EXAMPLE_BACKEND_LISTEN", "127.0.0.1:3000");

  connecthub::Client client({
      .base_url = api_url,
      .api_key = api_key,
      .timeout = std::chrono::seconds(10),
      .ca_file = Env("CONNECTHUB_CA_FILE", ""),
  });

  // Fail fast on a wrong key or URL; a connecthub that is merely not up yet is only a warning.
  auto connectors = client.ListConnectorsMeta();
  if (!connectors.ok()) {
    const auto& e = connectors.error();
    std::cerr << "connecthub at " << api_url << ": " << e.ToString() << "\n";
    if (e.IsUnauthorized() || e.kind == connecthub::client::ErrorKind::kInvalidArgument) return 1;
  } else {
    int enabled = 0;
    for (const auto& c : *connectors) enabled += c.active == true;
    std::cout << "connecthub at " << api_url << ": " << enabled << " integrations enabled\n";
  }

  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "EXAMPLE_BACKEND_LISTEN must be host:port\n";
    return 2;
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  const int port = std::atoi(listen.c_str() + colon + 1);
  if (port <= 0 || port > 65535) {
    std::cerr << "EXAMPLE_BACKEND_LISTEN has a bad port\n";
    return 2;
  }

  example::App app(client, {.connecthub_public_url = public_url,
                            .public_dir = Env("EXAMPLE_BACKEND_PUBLIC_DIR", EXAMPLE_BACKEND_PUBLIC_DIR)});
  std::cout << "example backend: http://" << listen << "/" << std::endl;
  return example::RunHttpServer(host, static_cast<unsigned short>(port),
                                [&app](const example::HttpRequest& req) { return app.Handle(req); });
}
