// The HTTP/1.1 server (Boost.Beast, C++20 coroutines). Beast and Asio stay inside server.cc.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/result.h"
#include "http/router.h"

namespace connecthub::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;                                 // 0 picks a free port
  int io_threads = 0;                                   // 0: one per core
  int worker_threads = 32;                              // storage handlers (RunOn::kStorage) and background work
  int outbound_threads = 32;                            // handlers that call providers (RunOn::kOutbound)
  size_t body_limit = 1 << 20;                          // larger bodies get 413
  size_t header_limit = 16 * 1024;                      // larger headers get 431
  std::chrono::seconds read_timeout{15};                // to receive one whole request once it starts
  std::chrono::seconds idle_timeout{60};                // keep-alive connection with no request
  std::chrono::seconds shutdown_grace{15};              // in-flight requests may finish within this
  size_t max_connections = 10000;                       // beyond this new connections are closed at once
  // Called after each response is written (metrics). Must be cheap and thread-safe.
  std::function<void(const std::string& method, const std::string& route, int status, double seconds)> on_request;
};

class Server {
 public:
  Server(ServerOptions opts, const Router& router);
  ~Server();

  // Binds and listens; returns the bound port.
  Result<uint16_t> Listen();
  // Serves until SIGINT/SIGTERM (or Stop()), then stops accepting, lets in-flight requests finish
  // (up to shutdown_grace) and returns.
  void Run();
  void Stop();
  // Called once on each I/O thread and periodically (every second) on one of them; for background work.
  void SetTicker(std::function<void()> tick);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace connecthub::http
