// Where log lines go: a spdlog sink that collects formatted lines and writes them to a file
// descriptor (stderr) in batches. One line per request written straight away cost a write(2) per
// request, about a tenth of the CPU of a session creation; batched, it is one write per batch.
// Warnings and errors (and anything logged while `immediate` is set) are written at once, after the
// lines before them, so order is kept.
#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>

#include <spdlog/sinks/base_sink.h>

namespace connecthub::ops {

class BufferedFdSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit BufferedFdSink(int fd, size_t max_buffer = 64 * 1024) : fd_(fd), max_(max_buffer) {}
  // While true (the default), every line is written at once: CLI commands and start-up. The server
  // turns it off once it serves, and flushes periodically (spdlog::flush_every).
  void set_immediate(bool on) { immediate_.store(on); }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;

 private:
  void WriteOut();

  int fd_;
  size_t max_;
  std::atomic<bool> immediate_{true};
  spdlog::memory_buf_t buf_;
};

}  // namespace connecthub::ops
