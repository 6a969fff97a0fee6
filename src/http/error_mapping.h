// The one place where an Error becomes an HTTP status and the body every client reads:
// {"statusCode": 404, "message": "...", "timestamp": "...Z"} plus any extra fields.
#pragma once

#include "core/result.h"
#include "core/time.h"
#include "http/message.h"

namespace connecthub::http {

int HttpStatusFor(ErrorCode code);
Response ErrorResponse(const Error& e, TimeMs now);
Response ErrorResponse(int status, std::string_view message, TimeMs now);

}  // namespace connecthub::http
