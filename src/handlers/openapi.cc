// GET /openapi.json: every public route, its auth and its shapes (OpenAPI 3.1). A unit test checks
// the document against the router's actual routes, so the two cannot drift apart.
#include <boost/json.hpp>

#include "handlers/handlers.h"

namespace connecthub {
namespace bj = boost::json;

namespace {

struct Op {
  const char* method;
  const char* path;
  const char* summary;
  const char* auth;  // basic | hub | none
  int status;
  const char* request;   // component schema name or ""
  const char* response;  // component schema name, "array:<name>", or ""
};

constexpr Op kOps[] = {
    {"POST", "/connect_sessions", "Create a connect session", "basic", 201, "ConnectSessionCreate", "ConnectSessionTokenAuthLink"},
    {"POST", "/connect_sessions/authenticate", "Authenticate a connect session token", "basic", 201, "ConnectSessionAuthenticate", "ConnectSession"},
    {"GET", "/accounts", "List linked accounts", "basic", 200, "", "array:LinkedAccount"},
    {"GET", "/accounts/{id}", "Get an account", "basic", 200, "", "LinkedAccount"},
    {"PATCH", "/accounts/{id}", "Update an account", "basic", 200, "PatchAccount", "LinkedAccount"},
    {"DELETE", "/accounts/{id}", "Delete an account and its credentials", "basic", 200, "", "LinkedAccount"},
    {"GET", "/accounts/{id}/meta", "Get an account's meta information", "basic", 200, "", "LinkedAccountMeta"},
    {"GET", "/connectors/meta", "List connectors", "basic", 200, "", "array:ConnectorsMeta"},
    {"GET", "/connectors/meta/{provider}", "Get a connector", "basic", 200, "", "ConnectorsMeta"},
    {"GET", "/hub/settings", "Hub settings for the session", "hub", 200, "", ""},
    {"GET", "/hub/connectors", "Integrations the session may link", "hub", 200, "", ""},
    {"GET", "/hub/connectors/{integration_id}", "An integration's credential form", "hub", 200, "", ""},
    {"POST", "/hub/accounts", "Complete the session: create or update the account", "hub", 201, "HubAccountSubmit", "HubAccountResult"},
    {"GET", "/hub/accounts/{id}", "The account being edited (secrets as placeholders)", "hub", 200, "", ""},
    {"PATCH", "/hub/accounts/{id}", "Complete the session by updating the account", "hub", 200, "HubAccountSubmit", "HubAccountResult"},
    {"GET", "/healthz", "The process answers", "none", 200, "", ""},
    {"GET", "/readyz", "The process and its database answer", "none", 200, "", ""},
    {"GET", "/metrics", "Prometheus metrics", "none", 200, "", ""},
    {"GET", "/openapi.json", "This document", "none", 200, "", ""},
    {"GET", "/link", "The hosted hub page (token in the URL fragment)", "none", 200, "", ""},
    {"GET", "/connect.js", "The embed script (window.Connect.start)", "none", 200, "", ""},
    {"GET", "/assets/{file}", "Hub page assets (content-hashed, immutable)", "none", 200, "", ""},
    {"GET", "/logos/{file}", "Provider logos", "none", 200, "", ""},
};

bj::value Str() { return bj::object{{"type", "string"}}; }
bj::value NullStr() { return bj::object{{"type", bj::array{"string", "null"}}}; }
bj::value DateTime() { return bj::object{{"type", "string"}, {"format", "date-time"}}; }
bj::value Obj(bj::object props, std::initializer_list<const char*> required = {}) {
  bj::array req;
  for (auto r : required) req.emplace_back(r);
  bj::object o{{"type", "object"}, {"properties", std::move(props)}};
  if (!req.empty()) o["required"] = std::move(req);
  return o;
}
bj::value Ref(std::string_view name) { return bj::object{{"$ref", "#/components/schemas/" + std::string(name)}}; }

bj::object Schemas() {
  bj::array cats;
  for (auto c : {"ats", "hris", "hris-legacy", "crm", "iam", "marketing", "lms", "stackone", "documents", "ticketing",
                 "screening", "messaging", "accounting"})
    cats.emplace_back(c);
  bj::object category{{"type", "string"}, {"enum", cats}};
  bj::object session_props{{"id", bj::object{{"type", "integer"}}},
                           {"organization_id", bj::object{{"type", "integer"}}},
                           {"project_id", Str()},
                           {"origin_owner_id", Str()},
                           {"origin_owner_name", Str()},
                           {"origin_username", NullStr()},
                           {"provider", NullStr()},
                           {"categories", bj::object{{"type", bj::array{"array", "null"}}, {"items", category}}},
                           {"account_id", NullStr()},
                           {"label", NullStr()},
                           {"multiple", bj::object{{"type", "boolean"}}},
                           {"metadata", bj::object{{"type", bj::array{"object", "null"}}}},
                           {"type", bj::object{{"type", "string"}, {"enum", bj::array{"production", "test"}}}},
                           {"created_at", DateTime()},
                           {"expires_at", DateTime()}};
  bj::object with_token = session_props;
  with_token["token"] = Str();
  with_token["auth_link_url"] = Str();
  const auto session_required = {"id", "organization_id", "project_id", "origin_owner_id", "origin_owner_name", "created_at"};
  return bj::object{
      {"Error", Obj({{"statusCode", bj::object{{"type", "integer"}}}, {"message", Str()}, {"timestamp", DateTime()},
                     {"provider_response", Str()}},
                    {"statusCode", "message", "timestamp"})},
      {"ConnectSessionCreate",
       Obj({{"origin_owner_id", Str()}, {"origin_owner_name", Str()}, {"origin_username", NullStr()}, {"provider", NullStr()},
            {"categories", bj::object{{"type", "array"}, {"items", category}}}, {"category", category},
            {"account_id", NullStr()}, {"label", NullStr()}, {"multiple", bj::object{{"type", "boolean"}, {"default", false}}},
            {"metadata", bj::object{{"type", "object"}}},
            {"expires_in", bj::object{{"type", "integer"}, {"minimum", 1}, {"maximum", 2592000}, {"default", 1800}}},
            {"type", bj::object{{"type", "string"}, {"enum", bj::array{"production", "test"}}, {"default", "production"}}}},
           {"origin_owner_id", "origin_owner_name"})},
      {"ConnectSessionAuthenticate", Obj({{"token", Str()}}, {"token"})},
      {"ConnectSession", Obj(session_props, session_required)},
      {"ConnectSessionTokenAuthLink", [&] {
         bj::value v = Obj(with_token, session_required);
         v.as_object()["required"].as_array().emplace_back("token");
         v.as_object()["required"].as_array().emplace_back("auth_link_url");
         return v;
       }()},
      {"LinkedAccount",
       Obj({{"id", Str()}, {"provider", Str()}, {"provider_name", NullStr()}, {"origin_owner_id", Str()},
            {"origin_owner_name", Str()}, {"origin_username", NullStr()}, {"label", NullStr()},
            {"status", bj::object{{"type", "string"}, {"enum", bj::array{"active", "inactive", "error"}}}},
            {"status_reasons", bj::object{{"type", "array"},
                                          {"items", Obj({{"code", Str()}, {"description", Str()}, {"timestamp", DateTime()}},
                                                        {"timestamp"})}}},
            {"type", bj::object{{"type", "string"}, {"enum", bj::array{"production", "test"}}}},
            {"metadata", bj::object{{"type", bj::array{"object", "null"}}}}, {"integration_id", Str()},
            {"created_at", DateTime()}, {"updated_at", DateTime()}},
           {"id", "provider", "origin_owner_id", "origin_owner_name", "status", "created_at", "updated_at"})},
      {"PatchAccount",
       Obj({{"origin_owner_id", Str()}, {"origin_owner_name", Str()}, {"origin_username", NullStr()},
            {"label", bj::object{{"description", "string sets, null clears, {} leaves unchanged"}}},
            {"status", bj::object{{"type", "string"}, {"enum", bj::array{"active", "inactive"}}}},
            {"metadata", bj::object{{"type", bj::array{"object", "null"}}}}, {"credentials", bj::object{{"type", "object"}}},
            {"setup_information", bj::object{{"type", "object"}}}, {"secrets", bj::object{{"type", "object"}}},
            {"provider", bj::object{{"description", "must equal the current provider"}}},
            {"type", bj::object{{"description", "accepted and ignored: fixed by the linking session"}}}})},
      {"LinkedAccountMeta", Obj({{"provider", Str()}, {"category", Str()}, {"models", bj::object{{"type", "object"}}}},
                                {"provider", "category", "models"})},
      {"ConnectorsMeta",
       Obj({{"provider", Str()}, {"provider_name", Str()}, {"category", Str()}, {"active", bj::object{{"type", "boolean"}}},
            {"models", bj::object{{"type", "object"}}}, {"resources", bj::object{{"type", "object"}}}},
           {"provider", "provider_name", "category", "models"})},
      {"HubAccountSubmit", Obj({{"integration_id", Str()}, {"credentials", bj::object{{"type", "object"}}}}, {"integration_id"})},
      {"HubAccountResult", Obj({{"id", Str()}, {"provider", Str()}}, {"id", "provider"})},
  };
}

bj::object Document(const std::string& server_url) {
  bj::object paths;
  for (const auto& op : kOps) {
    bj::object operation{{"summary", op.summary}};
    std::string auth = op.auth;
    if (auth == "basic") operation["security"] = bj::array{bj::object{{"basic", bj::array()}}};
    if (auth == "hub") operation["security"] = bj::array{bj::object{{"hubSessionToken", bj::array()}}};
    if (auth == "none") operation["security"] = bj::array();
    bj::array params;
    std::string path = op.path;
    for (size_t pos = path.find('{'); pos != std::string::npos; pos = path.find('{', pos + 1)) {
      std::string name = path.substr(pos + 1, path.find('}', pos) - pos - 1);
      params.push_back(bj::object{{"name", name}, {"in", "path"}, {"required", true}, {"schema", Str()}});
    }
    if (!params.empty()) operation["parameters"] = std::move(params);
    if (*op.request) {
      operation["requestBody"] = bj::object{
          {"required", true}, {"content", bj::object{{"application/json", bj::object{{"schema", Ref(op.request)}}}}}};
    }
    bj::object ok{{"description", "Success"}};
    std::string resp = op.response;
    if (!resp.empty()) {
      bj::value schema = resp.rfind("array:", 0) == 0 ? bj::value(bj::object{{"type", "array"}, {"items", Ref(resp.substr(6))}})
                                                     : Ref(resp);
      ok["content"] = bj::object{{"application/json", bj::object{{"schema", schema}}}};
    }
    bj::object responses{{std::to_string(op.status), ok}};
    if (auth != "none") {
      responses["default"] = bj::object{
          {"description", "Error"}, {"content", bj::object{{"application/json", bj::object{{"schema", Ref("Error")}}}}}};
    }
    operation["responses"] = std::move(responses);
    std::string method = op.method;
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bj::value& item = paths[op.path];
    if (!item.is_object()) item.emplace_object();
    item.as_object()[method] = std::move(operation);
  }
  return bj::object{
      {"openapi", "3.1.0"},
      {"info", bj::object{{"title", "connecthub"}, {"version", "1"},
                          {"description", "Account linking, wire-compatible with StackOne's connect sessions, hub and accounts API."}}},
      {"servers", bj::array{bj::object{{"url", server_url}}}},
      {"paths", std::move(paths)},
      {"components", bj::object{{"schemas", Schemas()},
                                {"securitySchemes",
                                 bj::object{{"basic", bj::object{{"type", "http"}, {"scheme", "basic"},
                                                                 {"description", "The API key as username, empty password"}}},
                                            {"hubSessionToken", bj::object{{"type", "apiKey"}, {"in", "header"},
                                                                           {"name", "x-hub-session-token"}}}}}}},
  };
}

}  // namespace

std::vector<std::pair<std::string, std::string>> DocumentedRoutes() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& op : kOps) out.emplace_back(op.method, op.path);
  return out;
}

void AddOpenApiRoute(http::Router& r, AppContext& ctx) {
  auto doc = std::make_shared<std::string>(bj::serialize(Document(ctx.settings.public_url)));
  r.Add("GET", "/openapi.json",
        [doc](http::Request&) -> Result<http::Response> {
          http::Response res;
          res.body = *doc;
          res.SetHeader("Access-Control-Allow-Origin", "*");
          return res;
        },
        http::RunOn::kIoThread);
}

}  // namespace connecthub
