#include "http/error_mapping.h"

#include <boost/json.hpp>

namespace connecthub::http {

Response JsonResponse(int status, const boost::json::value& body) {
  Response r;
  r.status = status;
  r.body = boost::json::serialize(body);
  return r;
}

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kUnauthenticated: return 401;
    case ErrorCode::kPermissionDenied: return 403;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kMethodNotAllowed: return 405;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kPayloadTooLarge: return 413;
    case ErrorCode::kUnsupportedMediaType: return 415;
    case ErrorCode::kUnprocessable: return 422;
    case ErrorCode::kRateLimited: return 429;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

Response ErrorResponse(const Error& e, TimeMs now) {
  const int status = HttpStatusFor(e.code);
  boost::json::object body = e.extra;
  body["statusCode"] = status;
  // Internal errors may carry details meant for the log only; the client gets a generic message.
  body["message"] = status == 500 ? "Internal server error" : e.message;
  body["timestamp"] = FormatIso(now);
  Response r = JsonResponse(status, body);
  if (status == 503) r.SetHeader("Retry-After", "1");
  if (status == 429) {
    auto it = e.extra.find("retry_after");
    r.SetHeader("Retry-After", it != e.extra.end() && it->value().is_int64() ? std::to_string(it->value().get_int64()) : "1");
  }
  return r;
}

Response ErrorResponse(int status, std::string_view message, TimeMs now) {
  boost::json::object body;
  body["statusCode"] = status;
  body["message"] = message;
  body["timestamp"] = FormatIso(now);
  return JsonResponse(status, body);
}

}  // namespace connecthub::http
