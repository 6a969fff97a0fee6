// Names the calling thread (at most 15 characters), so `top -H`, `ps -L` and profilers show which
// of the server's threads is busy.
#pragma once

#include <pthread.h>

namespace connecthub::ops {

inline void NameThisThread(const char* name) { pthread_setname_np(pthread_self(), name); }

}  // namespace connecthub::ops
