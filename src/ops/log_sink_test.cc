#include "ops/log_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <spdlog/logger.h>

namespace connecthub::ops {
namespace {

// The sink writes into a pipe; this reads what has arrived so far without blocking.
class PipeSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(pipe(fds_), 0);
    fcntl(fds_[0], F_SETFL, O_NONBLOCK);
    sink_ = std::make_shared<BufferedFdSink>(fds_[1], 256);
    logger_ = std::make_shared<spdlog::logger>("test", sink_);
    logger_->set_pattern("%l %v");
    logger_->set_level(spdlog::level::info);
  }
  void TearDown() override {
    close(fds_[0]);
    close(fds_[1]);
  }
  std::string Arrived() {
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = read(fds_[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
    return out;
  }
  int fds_[2];
  std::shared_ptr<BufferedFdSink> sink_;
  std::shared_ptr<spdlog::logger> logger_;
};

TEST_F(PipeSinkTest, ImmediateByDefault) {
  logger_->info("one");
  EXPECT_EQ(Arrived(), "info one\n");
}

TEST_F(PipeSinkTest, BuffersInfoUntilFlush) {
  sink_->set_immediate(false);
  logger_->info("a");
  logger_->info("b");
  EXPECT_EQ(Arrived(), "");
  logger_->flush();
  EXPECT_EQ(Arrived(), "info a\ninfo b\n");
}

TEST_F(PipeSinkTest, AWarningWritesEverythingBeforeItInOrder) {
  sink_->set_immediate(false);
  logger_->info("request");
  logger_->warn("trouble");
  EXPECT_EQ(Arrived(), "info request\nwarning trouble\n");
}

TEST_F(PipeSinkTest, AFullBufferIsWrittenOut) {
  sink_->set_immediate(false);
  const std::string line(100, 'x');
  logger_->info(line);
  logger_->info(line);
  EXPECT_EQ(Arrived(), "");
  logger_->info(line);  // past 256 bytes
  EXPECT_EQ(Arrived().size(), 3 * (line.size() + 6));
}

}  // namespace
}  // namespace connecthub::ops
