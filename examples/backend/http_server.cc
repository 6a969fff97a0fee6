#include "http_server.h"

#include <chrono>
#include <iostream>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace example {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kBodyLimit = 64 * 1024;           // the app's JSON bodies are tiny
constexpr auto kRequestTimeout = std::chrono::seconds(15);  // slow senders don't hold a thread forever
constexpr auto kIdleTimeout = std::chrono::seconds(30);

http::response<http::string_body> ToBeast(const HttpResponse& r, unsigned version, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, "connecthub-example-backend");
  if (!r.content_type.empty()) res.set(http::field::content_type, r.content_type);
  for (const auto& [k, v] : r.headers) res.insert(k, v);
  res.body() = r.body;
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

HttpResponse Plain(int status, std::string text) {
  return {.status = status, .content_type = "text/plain; charset=utf-8", .body = std::move(text)};
}

asio::awaitable<void> Session(tcp::socket socket, const Handler& handler) {
  auto nothrow = asio::as_tuple(asio::use_awaitable);
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (bool first = true;; first = false) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kBodyLimit);
    stream.expires_after(first ? kRequestTimeout : kIdleTimeout);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, nothrow);
    if (ec == http::error::body_limit) {
      co_await http::async_write(stream, ToBeast(Plain(413, "request body too large"), 11, false), nothrow);
      break;
    }
    if (ec) break;  // closed, timed out, or not HTTP
    auto& msg = parser.get();
    HttpRequest req;
    req.method = std::string(msg.method_string());
    std::string target(msg.target());
    auto q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = target.substr(q + 1);
    for (const auto& f : msg) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers[name] = std::string(f.value());
    }
    req.body = std::move(msg.body());

    const auto t0 = std::chrono::steady_clock::now();
    HttpResponse out;
    try {
      out = handler(req);
    } catch (const std::exception& e) {
      std::cerr << "handler failed: " << e.what() << "\n";
      out = Plain(500, "internal error");
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    std::cout << req.method << " " << req.path << " " << out.status << " " << ms << "ms" << std::endl;

    const bool keep_alive = msg.keep_alive();
    stream.expires_after(kRequestTimeout);
    auto [wec, wn] = co_await http::async_write(stream, ToBeast(out, msg.version(), keep_alive), nothrow);
    if (wec || !keep_alive) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> Listen(tcp::acceptor& acceptor, const Handler& handler) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // e.g. too many open files: back off instead of spinning.
      asio::steady_timer t(acceptor.get_executor(), std::chrono::milliseconds(100));
      co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    asio::co_spawn(acceptor.get_executor(), Session(std::move(socket), handler), asio::detached);
  }
}

}  // namespace

int RunHttpServer(const std::string& host, unsigned short port, Handler handler, int threads) {
  asio::io_context ioc(threads);
  tcp::acceptor acceptor(ioc);
  beast::error_code ec;
  tcp::endpoint endpoint(asio::ip::make_address(host, ec), port);
  if (ec) {
    std::cerr << "bad listen address " << host << "\n";
    return 2;
  }
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::cerr << "cannot listen on " << host << ":" << port << ": " << ec.message() << "\n";
    return 1;
  }
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) { ioc.stop(); });
  asio::co_spawn(ioc, Listen(acceptor, handler), asio::detached);

  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  return 0;
}

}  // namespace example
