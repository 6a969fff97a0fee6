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
// The hosted hub page, its assets and connect.js.
void AddPageRoutes(http::Router& r, AppContext& ctx);
// CSP frame-ancestors value for a project's allowed origins ("*" when none are set).
std::string FrameAncestors(const std::vector<std::string>& origins);
// GET /openapi.json, and the (method, path) pairs it documents.
void AddOpenApiRoute(http::Router& r, AppContext& ctx);
std::vector<std::pair<std::string, std::string>> DocumentedRoutes();
// Every route of the public API and pages.
void AddAllRoutes(http::Router& r, AppContext& ctx);

}  // namespace connecthub
