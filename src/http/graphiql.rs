//! GraphiQL, served entirely by this server (no CDN), so partners can explore the API
//! on a machine with no internet access. The bundles are vendored under
//! `src/http/assets/graphiql/` (see its README for versions and licences) and compiled in.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "graphiql.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("assets/graphiql/graphiql.min.js"),
    },
    Asset {
        name: "graphiql.min.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("assets/graphiql/graphiql.min.css"),
    },
    Asset {
        name: "react.production.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("assets/graphiql/react.production.min.js"),
    },
    Asset {
        name: "react-dom.production.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("assets/graphiql/react-dom.production.min.js"),
    },
    Asset {
        name: "init.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: INIT_JS.as_bytes(),
    },
];

/// Starts GraphiQL against this server's endpoint. Kept out of the HTML so the page's
/// Content-Security-Policy can forbid inline scripts.
const INIT_JS: &str = r#"(function () {
  var endpoint = window.location.origin + '/graphql';
  var http = GraphiQL.createFetcher({ url: endpoint });
  var socketUrl = endpoint.replace(/^http/, 'ws');
  // Whether the operation GraphiQL runs is a subscription (comments and strings aside,
  // the keyword before its name, or before the only operation).
  function isSubscription(params) {
    var query = (params.query || '').replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/#[^\n]*/g, '');
    var re = /\b(query|mutation|subscription)\b\s*([_A-Za-z][_0-9A-Za-z]*)?|^\s*\{/g;
    var match;
    while ((match = re.exec(query))) {
      if (!params.operationName || match[2] === params.operationName) {
        return match[1] === 'subscription';
      }
    }
    return false;
  }
  // Subscriptions over graphql-transport-ws on the same endpoint, authenticated with
  // the Authorization header from the Headers tab; an Observable GraphiQL renders.
  function subscribe(params, options) {
    var headers = (options && options.headers) || {};
    var authorization = headers.Authorization || headers.authorization;
    return {
      subscribe: function (observer) {
        var socket = new WebSocket(socketUrl, 'graphql-transport-ws');
        var done = false;
        function finish(errors) {
          if (done) { return; }
          done = true;
          if (errors) { observer.next({ errors: errors }); }
          observer.complete();
        }
        socket.onopen = function () {
          socket.send(JSON.stringify({ type: 'connection_init',
            payload: authorization ? { authorization: authorization } : {} }));
        };
        socket.onmessage = function (event) {
          var message = JSON.parse(event.data);
          if (message.type === 'connection_ack') {
            socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: params }));
          } else if (message.type === 'ping') {
            socket.send(JSON.stringify({ type: 'pong' }));
          } else if (message.type === 'next') {
            observer.next(message.payload);
          } else if (message.type === 'error') {
            finish(message.payload);
            socket.close(1000);
          } else if (message.type === 'complete') {
            finish();
            socket.close(1000);
          }
        };
        socket.onclose = function (event) {
          finish(event.code === 1000 ? null :
            [{ message: 'subscription closed: ' + event.code + ' ' + event.reason }]);
        };
        return {
          unsubscribe: function () {
            done = true;
            if (socket.readyState === 1) {
              socket.send(JSON.stringify({ id: '1', type: 'complete' }));
            }
            socket.close(1000);
          }
        };
      }
    };
  }
  var fetcher = function (params, options) {
    return isSubscription(params) ? subscribe(params, options) : http(params, options);
  };
  var defaultQuery = [
    '# Welcome to clientgraph.',
    '#',
    '# 1. Sign in (demo: tenant "demo",',
    '#    email "admin@demo.example",',
    '#    password "demo-password"):',
    '#    mutation { login(tenant: "demo",',
    '#      email: "admin@demo.example",',
    '#      password: "demo-password") { accessToken } }',
    '# 2. Open "Headers" below and add',
    '#    {"Authorization": "Bearer <accessToken>"}',
    '',
    '{',
    '  serverInfo {',
    '    version',
    '    database',
    '  }',
    '}',
    ''
  ].join('\n');
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultQuery: defaultQuery,
    shouldPersistHeaders: true
  }));
})();
"#;

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>clientgraph · GraphiQL</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/graphiql/graphiql.min.css">
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="/graphiql/react.production.min.js"></script>
  <script src="/graphiql/react-dom.production.min.js"></script>
  <script src="/graphiql/graphiql.min.js"></script>
  <script src="/graphiql/init.js"></script>
</body>
</html>
"#;

/// Scripts only from this origin; GraphiQL's editors need inline styles and data: fonts.
const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                        img-src 'self' data:; font-src 'self' data:; connect-src 'self' ws: wss:; \
                        frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The GraphiQL HTML page.
pub fn page() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(PAGE_CSP),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        PAGE,
    )
        .into_response()
}

/// `GET /graphiql/{file}`: one of the embedded assets.
pub async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|asset| asset.name == file) {
        Some(asset) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(asset.content_type),
                ),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=86400"),
                ),
                (
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ),
            ],
            asset.bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
