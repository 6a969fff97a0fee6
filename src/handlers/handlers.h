// Route registration, one function per endpoint family (one .cc file each).
#pragma once

#include "handlers/app_context.h"
#include "http/router.h"

namespace connecthub {

void AddHealthRoutes(http::Router& r, AppContext& ctx);
void AddConnectSessionRoutes(http::Router& r, AppContext& ctx);
void AddConnectorsMetaRoutes(http::Router& r, AppContext& ctx);
void AddHubRoutes(http::Router& r, AppContext& ctx);
void AddAccountRoutes(http::Router& r, AppContext& ctx);
// Every route of the public API and pages.
void AddAllRoutes(http::Router& r, AppContext& ctx);

}  // namespace connecthub
