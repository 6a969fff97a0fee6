// Delivers pending webhook deliveries from the store's outbox: at least once, signed, with retries.
// Any number of instances may run a dispatcher on one database: deliveries are leased when claimed,
// so none is sent by two instances at once.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "core/time.h"
#include "crypto/crypto.h"
#include "http/outbound.h"
#include "store/store.h"
#include "webhooks/retry.h"

namespace connecthub::webhooks {

struct DispatcherOptions {
  RetryPolicy retry = DefaultRetryPolicy();
  int timeout_ms = 10000;                     // per attempt, connect to last byte
  size_t max_response_bytes = 16 * 1024;      // we read at most this much of a receiver's answer
  bool allow_private = false;                 // CONNECTHUB_WEBHOOK_ALLOW_PRIVATE=1: loopback/private receivers
  int batch = 64;                             // deliveries claimed per round
  int parallel = 8;                           // attempts in flight at once
  std::chrono::milliseconds poll{1000};       // how often to look for due deliveries without a nudge
  std::function<void(const char* result)> on_attempt;  // metrics: "delivered", "retry" or "failed"
};

class Dispatcher {
 public:
  Dispatcher(Store& store, const crypto::Keyring& keyring, http::OutboundClient& client, const Clock& clock,
             DispatcherOptions opts);
  ~Dispatcher();

  void Start();
  // Finishes the attempts in flight, then stops. Unfinished leases expire and another instance (or the
  // next start) retries them.
  void Stop();
  // Asks for a round soon (after an account change in this instance).
  void Notify();
  // One round: claims due deliveries and attempts them. Returns how many were attempted.
  int RunOnce();

 private:
  void Attempt(const Delivery& d);

  Store& store_;
  const crypto::Keyring& keyring_;
  http::OutboundClient& client_;
  const Clock& clock_;
  DispatcherOptions opts_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool nudged_ = false;
};

}  // namespace connecthub::webhooks
