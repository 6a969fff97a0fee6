// Errors as values. Every fallible call across a module boundary returns Result<T>.
// The codes say what the caller should do next; http/error_mapping.cc is the only place
// that turns them into HTTP statuses.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include <boost/json/object.hpp>

namespace connecthub {

enum class ErrorCode {
  kInvalidArgument,       // bad input; message names the field (400)
  kUnauthenticated,       // missing or bad credentials or token (401)
  kPermissionDenied,      // authenticated but not allowed (403)
  kNotFound,              // no such object, or it belongs to someone else (404)
  kMethodNotAllowed,      // known path, wrong method (405)
  kConflict,              // the change would break a uniqueness rule (409)
  kPayloadTooLarge,       // body over the limit (413)
  kUnsupportedMediaType,  // body is not JSON (415)
  kUnprocessable,         // well-formed but rejected, e.g. by the provider (422)
  kRateLimited,           // too many requests; retry later (429)
  kUnavailable,           // dependency down or busy; retry the call (503)
  kInternal,              // a bug or an invariant broken (500)
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  // Extra JSON fields merged into the error body (e.g. provider_response). Never secrets.
  boost::json::object extra;
};

inline Error MakeError(ErrorCode code, std::string message) { return Error{code, std::move(message), {}}; }
inline Error InvalidArgument(std::string m) { return MakeError(ErrorCode::kInvalidArgument, std::move(m)); }
inline Error NotFound(std::string m) { return MakeError(ErrorCode::kNotFound, std::move(m)); }
inline Error Unauthenticated(std::string m) { return MakeError(ErrorCode::kUnauthenticated, std::move(m)); }
inline Error PermissionDenied(std::string m) { return MakeError(ErrorCode::kPermissionDenied, std::move(m)); }
inline Error Conflict(std::string m) { return MakeError(ErrorCode::kConflict, std::move(m)); }
inline Error Unavailable(std::string m) { return MakeError(ErrorCode::kUnavailable, std::move(m)); }
inline Error Internal(std::string m) { return MakeError(ErrorCode::kInternal, std::move(m)); }

// Result<T>: a T or an Error. Minimal std::expected stand-in (C++20 has none).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(implicit)
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(implicit)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& { assert(!ok()); return std::get<1>(v_); }
  Error&& error() && { assert(!ok()); return std::get<1>(std::move(v_)); }
  ErrorCode code() const { return error().code; }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT(implicit)
  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const& { assert(!ok()); return *error_; }
  Error&& error() && { assert(!ok()); return std::move(*error_); }
  ErrorCode code() const { return error().code; }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;
inline Status OkStatus() { return {}; }

}  // namespace connecthub

// Propagates an error: `CH_TRY(auto x, Foo());` or `CH_TRY_STATUS(Bar());`.
#define CH_CONCAT_INNER(a, b) a##b
#define CH_CONCAT(a, b) CH_CONCAT_INNER(a, b)
#define CH_TRY(decl, expr)                                 \
  auto CH_CONCAT(ch_res_, __LINE__) = (expr);              \
  if (!CH_CONCAT(ch_res_, __LINE__).ok())                  \
    return std::move(CH_CONCAT(ch_res_, __LINE__)).error(); \
  decl = std::move(CH_CONCAT(ch_res_, __LINE__)).value()
#define CH_TRY_STATUS(expr)                                \
  do {                                                     \
    auto ch_st_ = (expr);                                  \
    if (!ch_st_.ok()) return std::move(ch_st_).error();    \
  } while (0)
