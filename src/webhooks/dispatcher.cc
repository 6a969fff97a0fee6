#include "webhooks/dispatcher.h"

#include <future>
#include <map>

#include <sodium.h>
#include <spdlog/spdlog.h>

#include "webhooks/endpoints.h"
#include "webhooks/signing.h"
#include "ops/thread_name.h"

namespace connecthub::webhooks {

Dispatcher::Dispatcher(Store& store, const crypto::Keyring& keyring, http::OutboundClient& client, const Clock& clock,
                       DispatcherOptions opts)
    : store_(store), keyring_(keyring), client_(client), clock_(clock), opts_(std::move(opts)) {}

Dispatcher::~Dispatcher() { Stop(); }

void Dispatcher::Start() {
  thread_ = std::thread([this] {
    ops::NameThisThread("webhooks");
    for (;;) {
      int n = 0;
      try {
        n = RunOnce();
      } catch (const std::exception& e) {
        spdlog::error("webhooks: round failed: {}", e.what());
      }
      std::unique_lock lk(mu_);
      if (stop_) return;
      // A full batch means more may be due: go again at once.
      if (n < opts_.batch) cv_.wait_for(lk, opts_.poll, [&] { return stop_ || nudged_; });
      nudged_ = false;
      if (stop_) return;
    }
  });
}

void Dispatcher::Stop() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Dispatcher::Notify() {
  {
    std::lock_guard lk(mu_);
    nudged_ = true;
  }
  cv_.notify_all();
}

int Dispatcher::RunOnce() {
  const TimeMs now = clock_.NowMs();
  // The lease outlasts one attempt with margin, so a slow receiver is not sent the message twice.
  auto claimed = store_.ClaimDeliveries(now, opts_.batch, now + opts_.timeout_ms + 30000);
  if (!claimed.ok()) {
    spdlog::warn("webhooks: cannot claim deliveries: {}", claimed.error().message);
    return 0;
  }
  std::vector<std::future<void>> inflight;
  for (const auto& d : *claimed) {
    if (static_cast<int>(inflight.size()) >= opts_.parallel) {
      inflight.front().get();
      inflight.erase(inflight.begin());
    }
    inflight.push_back(std::async(std::launch::async, [this, &d] { Attempt(d); }));
  }
  for (auto& f : inflight) f.get();
  return static_cast<int>(claimed->size());
}

void Dispatcher::Attempt(const Delivery& d) {
  DeliveryOutcome out;
  auto finish = [&](std::optional<int> status, std::optional<std::string> error) {
    out.now = clock_.NowMs();
    out.http_status = status;
    out.error = std::move(error);
    if (status && *status >= 200 && *status < 300) {
      out.status = DeliveryStatus::kDelivered;
      out.next_attempt_at = out.now;
    } else if (auto next = NextAttemptAt(opts_.retry, d.attempts + 1, out.now, randombytes_uniform(1000000) / 1e6)) {
      out.status = DeliveryStatus::kPending;
      out.next_attempt_at = *next;
    } else {
      out.status = DeliveryStatus::kFailed;
      out.next_attempt_at = out.now;
      spdlog::warn("webhooks: delivery {} to endpoint {} failed after {} attempts", d.id, d.endpoint_id, d.attempts + 1);
    }
    if (opts_.on_attempt) {
      opts_.on_attempt(out.status == DeliveryStatus::kDelivered ? "delivered"
                       : out.status == DeliveryStatus::kFailed  ? "failed"
                                                                : "retry");
    }
    if (Status st = store_.FinishDelivery(d.id, out); !st.ok()) {
      spdlog::warn("webhooks: cannot record delivery {}: {}", d.id, st.error().message);
    }
  };
  auto endpoint = store_.FindWebhook(d.endpoint_id);
  if (!endpoint.ok()) {
    finish(std::nullopt, "endpoint no longer exists");
    return;
  }
  auto secrets = ActiveSecrets(keyring_, *endpoint, clock_.NowMs());
  if (!secrets.ok()) {
    finish(std::nullopt, "cannot decrypt the signing secret: " + secrets.error().message);
    return;
  }
  const int64_t ts = clock_.NowMs() / 1000;
  auto signature = SignatureHeader(*secrets, d.message_id, ts, d.payload_json);
  for (auto& s : *secrets) crypto::Wipe(s);
  if (!signature.ok()) {
    finish(std::nullopt, signature.error().message);
    return;
  }
  http::OutboundRequest req;
  req.method = "POST";
  req.url = endpoint->url;
  req.body = d.payload_json;
  req.timeout_ms = opts_.timeout_ms;
  req.max_response_bytes = opts_.max_response_bytes;
  req.public_only = !opts_.allow_private;
  req.headers = {{"Content-Type", "application/json"},
                 {"webhook-id", d.message_id},
                 {"webhook-timestamp", std::to_string(ts)},
                 {"webhook-signature", *signature}};
  // The client never follows redirects: a 3xx is a failed attempt like any other non-2xx.
  auto res = client_.Send(req);
  if (!res.ok()) {
    finish(std::nullopt, res.error().message);
  } else {
    finish(res->status, res->status >= 200 && res->status < 300 ? std::nullopt
                                                                : std::optional<std::string>("HTTP " + std::to_string(res->status)));
  }
}

}  // namespace connecthub::webhooks
