#include "ops/log_sink.h"

#include <cerrno>

#include <unistd.h>

namespace connecthub::ops {

void BufferedFdSink::sink_it_(const spdlog::details::log_msg& msg) {
  formatter_->format(msg, buf_);
  if (immediate_.load() || msg.level >= spdlog::level::warn || buf_.size() >= max_) WriteOut();
}

void BufferedFdSink::flush_() { WriteOut(); }

void BufferedFdSink::WriteOut() {
  const char* p = buf_.data();
  size_t left = buf_.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // a closed or full stderr must not stop the server; the lines are dropped
    p += n;
    left -= static_cast<size_t>(n);
  }
  buf_.clear();
}

}  // namespace connecthub::ops
