#include "http/server.h"

#include <atomic>
#include <optional>
#include <thread>

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include "crypto/crypto.h"
#include "http/error_mapping.h"
#include "http/query.h"
#include "ops/thread_name.h"

namespace connecthub::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

Request ToRequest(bhttp::request<bhttp::string_body>&& in, const std::string& remote, std::string request_id) {
  Request r;
  r.method = std::string(in.method_string());
  r.target = std::string(in.target());
  std::string_view target = r.target;
  size_t q = target.find('?');
  r.path = std::string(target.substr(0, q));
  for (const auto& f : in) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto [it, inserted] = r.headers.emplace(name, std::string(f.value()));
    if (!inserted) it->second += ", " + std::string(f.value());
  }
  r.body = std::move(in.body());
  r.remote_ip = remote;
  r.request_id = std::move(request_id);
  return r;
}

bool SafeRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (unsigned char c : id)
    if (!std::isalnum(c) && c != '-' && c != '_' && c != '.') return false;
  return true;
}
}  // namespace

struct Server::Impl {
  ServerOptions opts;
  const Router& router;
  asio::io_context ioc;
  asio::thread_pool workers;   // RunOn::kStorage and the background tick
  asio::thread_pool outbound;  // RunOn::kOutbound
  tcp::acceptor acceptor{ioc};
  asio::signal_set signals{ioc, SIGINT, SIGTERM};
  std::atomic<size_t> connections{0};
  std::atomic<size_t> in_flight{0};
  std::atomic<size_t> fast_pending{0};  // fast handlers that have not answered yet
  std::atomic<bool> draining{false};
  std::atomic<uint64_t> counter{0};
  std::string id_prefix = crypto::RandomId("", 6);
  std::function<void()> tick;

  Impl(ServerOptions o, const Router& r)
      : opts(std::move(o)), router(r), ioc(opts.io_threads),
        workers(static_cast<size_t>(opts.worker_threads)),
        outbound(static_cast<size_t>(opts.outbound_threads)) {}

  Response Error(int status, std::string_view msg) { return ErrorResponse(status, msg, router.clock().NowMs()); }

  asio::awaitable<void> Write(beast::tcp_stream& stream, const Response& res, unsigned version, bool keep_alive,
                              bool head, bool& ok) {
    bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(res.status), version};
    if (!res.content_type.empty()) out.set(bhttp::field::content_type, res.content_type);
    for (const auto& [k, v] : res.headers) out.set(k, v);
    out.keep_alive(keep_alive);
    if (head) {
      out.content_length(res.body.size());
    } else {
      out.body() = res.body;
      out.prepare_payload();
    }
    stream.expires_after(opts.read_timeout);
    bhttp::serializer<false, bhttp::string_body> sr{out};
    if (head) sr.split(true);
    auto [ec, n] = head ? co_await bhttp::async_write_header(stream, sr, kNoThrow)
                        : co_await bhttp::async_write(stream, sr, kNoThrow);
    ok = !ec;
  }

  // Runs the route's fast handler on this I/O thread; nullopt when it declined. The coroutine waits
  // without blocking the thread; the answer, from whichever thread produces it, resumes it here.
  asio::awaitable<std::optional<Response>> RunFast(Request& req, const Route& route) {
    co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(std::optional<Response>)>(
        [this, &req, &route](auto handler) {
          auto h = std::make_shared<decltype(handler)>(std::move(handler));
          auto ex = asio::get_associated_executor(*h, ioc.get_executor());
          ++fast_pending;
          // `make` renders the response; it runs here on an I/O thread, not on the thread that answered.
          auto complete = [this, h, ex](std::function<Response()> make) {
            asio::post(ex, [h, make = std::move(make)]() mutable {
              std::optional<Response> r;
              if (make) r = make();
              std::move(*h)(std::move(r));
            });
            --fast_pending;
          };
          if (!router.TryFast(req, route, complete)) complete(nullptr);
        },
        asio::use_awaitable);
  }

  // Answers a request that failed before it could be routed, then the connection closes.
  asio::awaitable<void> Reject(beast::tcp_stream& stream, int status, std::string_view msg) {
    Response res = Error(status, msg);
    res.SetHeader("X-Content-Type-Options", "nosniff");
    bool ok = false;
    co_await Write(stream, res, 11, false, false, ok);
    spdlog::info("request method=- route=rejected status={} request_id=-", status);
  }

  asio::awaitable<void> Session(tcp::socket socket) {
    struct Count {
      std::atomic<size_t>& c;
      ~Count() { --c; }
    } count{connections};
    beast::error_code ec0;
    std::string remote = socket.remote_endpoint(ec0).address().to_string();
    socket.set_option(tcp::no_delay(true), ec0);
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buf;
    for (;;) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(opts.header_limit));
      parser.body_limit(opts.body_limit);
      if (buf.size() == 0) {
        // Idle keep-alive: wait up to idle_timeout for the first byte; once a request has started,
        // all of its header must arrive within read_timeout (so a trickling header cannot hold the
        // connection for long).
        stream.expires_after(opts.idle_timeout);
        auto [ec, n] = co_await stream.async_read_some(buf.prepare(16 * 1024), kNoThrow);
        if (ec) break;
        buf.commit(n);
      }
      stream.expires_after(opts.read_timeout);
      auto [ec, n] = co_await bhttp::async_read_header(stream, buf, parser, kNoThrow);
      if (ec == bhttp::error::header_limit) {
        co_await Reject(stream, 431, "Request headers are too large");
        break;
      }
      if (ec == bhttp::error::body_limit) {
        co_await Reject(stream, 413, "Request body is larger than " + std::to_string(opts.body_limit) + " bytes");
        break;
      }
      if (ec) {
        // A clean close or a timeout (the socket is already closed then), or garbage: answer it with 400.
        if (ec != bhttp::error::end_of_stream && ec != beast::error::timeout && ec != asio::error::operation_aborted &&
            ec != asio::error::connection_reset && ec != asio::error::eof) {
          co_await Reject(stream, 400, "Malformed HTTP request");
        }
        break;
      }
      // Beast enforces header_limit only while a header is still arriving; one that came whole in the
      // first read is measured here.
      {
        size_t header_bytes = parser.get().target().size() + 16;
        for (const auto& f : parser.get()) header_bytes += f.name_string().size() + f.value().size() + 4;
        if (header_bytes > opts.header_limit) {
          co_await Reject(stream, 431, "Request headers are too large");
          break;
        }
      }
      // Request smuggling guard (RFC 9112 section 6.3): a Transfer-Encoding whose final coding is not
      // chunked leaves the body length unknowable; answer 400 and close rather than guess.
      if (auto te = parser.get()[bhttp::field::transfer_encoding]; !te.empty()) {
        std::string v(te);
        for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        v.erase(std::remove_if(v.begin(), v.end(), [](char c) { return c == ' ' || c == '\t'; }), v.end());
        if (v != "chunked") {
          co_await Reject(stream, 400, "Unsupported Transfer-Encoding");
          break;
        }
      }
      if (!parser.is_done()) {
        stream.expires_after(opts.read_timeout);
        auto [ec2, n2] = co_await bhttp::async_read(stream, buf, parser, kNoThrow);
        if (ec2 == bhttp::error::body_limit) {
          co_await Reject(stream, 413, "Request body is larger than " + std::to_string(opts.body_limit) + " bytes");
          break;
        }
        if (ec2) {
          // On a timeout the stream has closed the socket: a slow body just ends the connection.
          if (ec2 != beast::error::timeout && ec2 != bhttp::error::end_of_stream && ec2 != asio::error::eof &&
              ec2 != asio::error::connection_reset) {
            co_await Reject(stream, 400, "Malformed HTTP request body");
          }
          break;
        }
      }
      ++in_flight;
      auto start = std::chrono::steady_clock::now();
      auto msg = parser.release();
      const unsigned version = msg.version();
      const bool keep_alive = msg.keep_alive() && !draining.load();
      std::string incoming_id(msg["X-Request-Id"]);
      std::string rid = SafeRequestId(incoming_id) ? incoming_id
                                                   : id_prefix + "-" + std::to_string(counter.fetch_add(1));
      Request req = ToRequest(std::move(msg), remote, std::move(rid));
      const bool head = req.method == "HEAD";
      Response res;
      int st = 0;
      std::string allow;
      const Route* route = router.Match(req, st, allow);
      std::optional<Response> fast;
      if (route && route->fast) fast = co_await RunFast(req, *route);
      if (fast) {
        res = std::move(*fast);
      } else if (route && route->run_on != RunOn::kIoThread) {
        // Storage and provider checks block; they run on a pool so the I/O threads keep serving.
        auto& pool = route->run_on == RunOn::kOutbound ? outbound : workers;
        res = co_await asio::co_spawn(
            pool, [this, &req]() -> asio::awaitable<Response> { co_return router.Dispatch(req); },
            asio::use_awaitable);
      } else {
        res = router.Dispatch(req);
      }
      bool ok = false;
      co_await Write(stream, res, version, keep_alive, head, ok);
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      // One line per request. Never the target (query strings and ids may carry tokens), never headers.
      spdlog::info("request method={} route={} status={} duration_ms={:.2f} request_id={}", req.method,
                   req.route.empty() ? "-" : req.route, res.status, ms, req.request_id);
      if (opts.on_request) opts.on_request(req.method, req.route.empty() ? "-" : req.route, res.status, ms / 1000.0);
      --in_flight;
      if (!ok || !keep_alive) break;
    }
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  asio::awaitable<void> Accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(kNoThrow);
      if (ec) {
        if (!acceptor.is_open()) co_return;
        // E.g. EMFILE: keep serving the connections we have, and back off instead of spinning on a
        // queue of connections we cannot take yet.
        asio::steady_timer pause(ioc, std::chrono::milliseconds(100));
        co_await pause.async_wait(kNoThrow);
        continue;
      }
      if (connections.load() >= opts.max_connections) {
        beast::error_code ignored;
        socket.close(ignored);
        continue;
      }
      ++connections;
      asio::co_spawn(ioc, Session(std::move(socket)), [](std::exception_ptr e) {
        if (e) {
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& ex) {
            spdlog::error("connection ended by exception: {}", ex.what());
          }
        }
      });
    }
  }
};

Server::Server(ServerOptions opts, const Router& router) {
  if (opts.io_threads <= 0) opts.io_threads = std::max(1u, std::thread::hardware_concurrency());
  impl_ = std::make_unique<Impl>(std::move(opts), router);
}

Server::~Server() {
  impl_->workers.join();
  impl_->outbound.join();
}

Result<uint16_t> Server::Listen() {
  beast::error_code ec;
  auto addr = asio::ip::make_address(impl_->opts.host, ec);
  if (ec) return InvalidArgument("listen address '" + impl_->opts.host + "' is not an IP address");
  tcp::endpoint ep(addr, impl_->opts.port);
  auto& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Unavailable("cannot listen on " + impl_->opts.host + ":" + std::to_string(impl_->opts.port) + ": " + ec.message());
  return a.local_endpoint().port();
}

void Server::SetTicker(std::function<void()> tick) { impl_->tick = std::move(tick); }

void Server::Stop() {
  asio::post(impl_->ioc, [this] { impl_->signals.cancel(); });
}

void Server::Run() {
  Impl& s = *impl_;
  asio::co_spawn(s.ioc, s.Accept(), asio::detached);
  // The timer loops below re-arm themselves through a std::function that captures its own
  // shared_ptr; the cycles are broken at the end of Run so nothing is leaked.
  auto poll = std::make_shared<std::function<void()>>();
  auto drain = [&s, poll]() {
    if (s.draining.exchange(true)) return;
    spdlog::info("shutting down: no new connections; finishing {} in-flight request(s)", s.in_flight.load());
    beast::error_code ec;
    s.acceptor.close(ec);
    auto deadline = std::chrono::steady_clock::now() + s.opts.shutdown_grace;
    auto timer = std::make_shared<asio::steady_timer>(s.ioc);
    *poll = [&s, timer, poll, deadline]() {
      if (s.in_flight.load() == 0 || std::chrono::steady_clock::now() >= deadline) {
        s.ioc.stop();
        return;
      }
      timer->expires_after(std::chrono::milliseconds(20));
      timer->async_wait([poll](beast::error_code) { (*poll)(); });
    };
    (*poll)();
  };
  s.signals.async_wait([drain](beast::error_code, int) { drain(); });
  // Background work (cleanup, deliveries) runs on the worker pool once a second.
  auto tick_timer = std::make_shared<asio::steady_timer>(s.ioc);
  auto tick_loop = std::make_shared<std::function<void()>>();
  auto busy = std::make_shared<std::atomic<bool>>(false);
  *tick_loop = [&s, tick_timer, tick_loop, busy]() {
    tick_timer->expires_after(std::chrono::seconds(1));
    tick_timer->async_wait([&s, tick_loop, busy](beast::error_code ec) {
      if (ec || s.draining.load()) return;
      if (s.tick && !busy->exchange(true)) {
        asio::post(s.workers, [&s, busy] {
          try {
            s.tick();
          } catch (const std::exception& e) {
            spdlog::error("background task failed: {}", e.what());
          }
          busy->store(false);
        });
      }
      (*tick_loop)();
    });
  };
  (*tick_loop)();

  std::vector<std::thread> threads;
  for (int i = 1; i < s.opts.io_threads; ++i) {
    threads.emplace_back([&s] {
      ops::NameThisThread("http-io");
      s.ioc.run();
    });
  }
  s.ioc.run();
  for (auto& t : threads) t.join();
  *poll = nullptr;
  *tick_loop = nullptr;
  // Let a background task or a handler that is still running finish before the store goes away, and
  // the store answer what fast handlers queued (its answers are posted to the stopped io_context,
  // which must still exist then).
  s.workers.wait();
  s.outbound.wait();
  while (s.fast_pending.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

}  // namespace connecthub::http
