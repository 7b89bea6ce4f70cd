//! Requests an attacker would send (loopback only, bounded): each is refused clearly and
//! quickly, before it costs the server anything; and field errors leave the response's
//! types intact (the shape typed clients such as Apollo Client rely on).

use std::time::{Duration, Instant};

use clientgraph::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_codes, first_error_code, spawn_app};

/// The fastest of `tries` runs of `query` as `token`, with the last body.
async fn fastest(app: &TestApp, token: &str, query: &str, tries: usize) -> (Duration, Value) {
    let mut best = Duration::MAX;
    let mut body = Value::Null;
    for _ in 0..tries {
        let started = Instant::now();
        body = app.graphql_as(token, query, json!({})).await;
        best = best.min(started.elapsed());
    }
    (best, body)
}

#[tokio::test]
async fn a_small_query_that_multiplies_lists_is_refused_before_it_runs() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let member = app.token(&tenant, Role::Member).await;
    let viewer = app.token(&tenant, Role::Viewer).await;
    let parent = app.create_client(&member, "Parent Holding").await;
    for i in 0..3 {
        app.ok_as(
            &member,
            "mutation($n: String!, $p: ID!) { createClient(input: {name: $n, parentClientId: $p}) { id } }",
            json!({ "n": format!("Subsidiary {i}"), "p": parent }),
        )
        .await;
    }
    let query = format!(
        "{{client(id:{parent}){{subsidiaries{{parent{{subsidiaries{{parent{{subsidiaries{{id}}}}}}}}}}}}}}"
    );
    let _timing = crate::helpers::TIMING.read().await;
    assert!(query.len() <= 113, "{} bytes", query.len());
    let (elapsed, body) = fastest(&app, &viewer, &query, 5).await;
    assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert!(body["data"].is_null(), "nothing ran: {body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("exceeds the limit of 50000"), "{message}");
    assert!(body["errors"][0]["extensions"]["cost"].as_u64().unwrap() > 1_000_000);
    assert!(
        elapsed < Duration::from_millis(10),
        "refused in {elapsed:?}"
    );

    // Asking for small pages makes the same shape affordable, and it runs batched.
    let small = format!(
        "{{client(id:{parent}){{subsidiaries(first:5){{parent{{subsidiaries(first:5){{name}}}}}}}}}}"
    );
    let data = app.ok_as(&viewer, &small, json!({})).await;
    let subsidiaries = data["client"]["subsidiaries"].as_array().unwrap();
    assert_eq!(subsidiaries.len(), 3);
    assert_eq!(
        subsidiaries[0]["parent"]["subsidiaries"][2]["name"],
        "Subsidiary 2"
    );
}

#[tokio::test]
async fn a_realistic_nested_client_page_is_admitted_and_its_cost_is_reported_when_asked() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let viewer = app.token(&tenant, Role::Viewer).await;
    let query = "{ clients(first: 50) { totalCount edges { node { name status
        contacts(first: 5) { totalCount edges { node { fullName email role } } }
        notes(first: 5) { edges { node { title wordCount author { fullName } } } }
        communications(first: 5) { edges { node { subject communicationType communicationAt } } }
        jobs(first: 5) { edges { node { title status pipeline { applied hired } } } }
        subsidiaries(first: 5) { name }
        addresses { city }
    } } } }";
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&viewer)
        .json(&json!({ "query": query, "extensions": { "cost": true } }))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert!(body["errors"].is_null(), "{body}");
    let cost = &body["extensions"]["cost"];
    assert_eq!(cost["limit"], 50_000, "{body}");
    let estimated = cost["estimated"].as_u64().unwrap();
    assert!((1_000..50_000).contains(&estimated), "{estimated}");
    // Without the extension the cost is not reported.
    let body = app.graphql_as(&viewer, query, json!({})).await;
    assert!(body["extensions"]["cost"].is_null(), "{body}");
}

#[tokio::test]
async fn a_request_may_sign_in_only_once_whatever_its_aliases_and_batches() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let login = |alias: &str| {
        format!(
            r#"{alias}: login(tenant: "{}", email: "{}", password: "test-password-123") {{ accessToken }}"#,
            tenant.slug, tenant.admin_email
        )
    };
    let aliased = format!("mutation {{ {} {} }}", login("a"), login("b"));
    let started = Instant::now();
    let response = app.post_graphql(json!({ "query": aliased })).await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"));
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("one `login`")
    );
    assert!(
        started.elapsed() < Duration::from_millis(200),
        "no hash ran"
    );

    let single = format!("mutation {{ {} }}", login("a"));
    let batch = json!([{ "query": single }, { "query": single }]);
    let response = app.post_graphql(batch).await;
    assert_eq!(response.status(), 400);

    // One sign-in per request works.
    let response = app.post_graphql(json!({ "query": single })).await;
    let body: Value = response.json().await.unwrap();
    assert!(body["data"]["a"]["accessToken"].is_string(), "{body}");
}

#[tokio::test]
async fn directives_are_bounded_and_errors_do_not_echo_the_request() {
    let app = spawn_app().await;
    let include = "@include(if: true) ".repeat(500);
    let body = app
        .graphql(
            &format!("{{ serverInfo {include} {{ version }} }}"),
            json!({}),
        )
        .await;
    assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"));
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("500 directives"),
        "{body}"
    );

    let name = "x".repeat(100_000);
    let response = app
        .post_graphql(json!({ "query": format!("{{ {name} }}") }))
        .await;
    let text = response.text().await.unwrap();
    assert!(text.len() < 2_000, "{} bytes came back", text.len());
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"));
}

/// A tenant with two clients (one with a tax id), seen by a viewer, who may not see
/// billing figures or feedback.
async fn two_clients_seen_by_a_viewer() -> (TestApp, String, String, String) {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let viewer = app.token(&tenant, Role::Viewer).await;
    let id = app
        .ok_as(
            &admin,
            r#"mutation { createClient(input: {name: "Alpha", taxId: "DE123", outstandingBalance: 10}) { id } }"#,
            json!({}),
        )
        .await["createClient"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.create_client(&admin, "Beta").await;
    (app, admin, viewer, id)
}

#[tokio::test]
async fn a_forbidden_field_is_null_with_its_error_and_its_object_stays() {
    let (app, _admin, viewer, id) = two_clients_seen_by_a_viewer().await;

    let body = app
        .graphql_as(
            &viewer,
            "{ clients(orderBy: [{field: NAME}]) { nodes { taxId } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"],
        json!({ "clients": { "nodes": [ { "taxId": null }, { "taxId": null } ] } }),
        "{body}"
    );
    assert_eq!(error_codes(&body), vec!["FORBIDDEN", "FORBIDDEN"]);

    let body = app
        .graphql_as(
            &viewer,
            "{ clients(first: 1, orderBy: [{field: NAME}]) { edges { node { outstandingBalance } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"],
        json!({ "clients": { "edges": [ { "node": { "outstandingBalance": null } } ] } }),
        "{body}"
    );

    // Keys keep the selection's order (read from the raw text: serde_json sorts them).
    let response = app
        .post_graphql_as(
            &viewer,
            "query($id: ID!) { client(id: $id) { taxId name id } }",
            json!({ "id": id }),
        )
        .await;
    let text = response.text().await.unwrap();
    assert!(
        text.starts_with(&format!(
            r#"{{"data":{{"client":{{"taxId":null,"name":"Alpha","id":"{id}"}}}}"#
        )),
        "{text}"
    );
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["errors"][0]["path"], json!(["client", "taxId"]));
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");

    // A guarded object field (feedback) is null for the viewer; the client stays.
    let body = app
        .graphql_as(
            &viewer,
            "query($id: ID!) { client(id: $id) { name feedbackSummary { count } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        body["data"],
        json!({ "client": { "name": "Alpha", "feedbackSummary": null } }),
        "{body}"
    );
    assert_eq!(error_codes(&body), vec!["FORBIDDEN"]);
}

#[tokio::test]
async fn an_unknown_id_answers_a_null_field_not_null_data() {
    let (app, _admin, viewer, _id) = two_clients_seen_by_a_viewer().await;
    let response = app
        .post_graphql_as(
            &viewer,
            "{ client(id: \"00000000-0000-0000-0000-000000000000\") { id } }",
            json!({}),
        )
        .await;
    let text = response.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["data"], json!({ "client": null }), "{text}");
    assert_eq!(error_codes(&body), vec!["NOT_FOUND"]);

    // Two root fields: the failing one is null, the other resolves.
    let body = app
        .graphql_as(
            &viewer,
            "{ missing: client(id: \"00000000-0000-0000-0000-000000000000\") { id } viewer { role } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"],
        json!({ "missing": null, "viewer": { "role": "VIEWER" } }),
        "{body}"
    );
}

#[tokio::test]
async fn orderings_are_short_distinct_and_cursors_keep_to_theirs() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let viewer = app.token(&tenant, Role::Viewer).await;
    for name in ["Alpha", "Beta", "Gamma"] {
        app.create_client(&admin, name).await;
    }
    let list = "query($o: [ClientOrder!], $a: String) { clients(first: 1, orderBy: $o, after: $a) { pageInfo { endCursor } edges { node { name } } } }";

    // 800 repeated keys with a forged cursor: refused at once, before any SQL.
    let repeated = vec![json!({ "field": "EMPLOYEE_COUNT" }); 800];
    let forged = {
        use base64::Engine;
        let values: Vec<Value> = std::iter::repeat_n(Value::Null, 801).collect();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Value::Array(values).to_string())
    };
    let started = Instant::now();
    let body = app
        .graphql_as(&viewer, list, json!({ "o": repeated, "a": forged }))
        .await;
    assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "orderBy");
    assert!(started.elapsed() < Duration::from_millis(500));

    let six = [
        "NAME",
        "CLIENT_CODE",
        "CREATED_AT",
        "UPDATED_AT",
        "STATUS",
        "TIER",
    ]
    .map(|f| json!({ "field": f }));
    let body = app.graphql_as(&viewer, list, json!({ "o": six })).await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 5"),
        "{body}"
    );
    let twice = [
        json!({ "field": "NAME" }),
        json!({ "field": "NAME", "direction": "DESC" }),
    ];
    let body = app.graphql_as(&viewer, list, json!({ "o": twice })).await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("twice"),
        "{body}"
    );
    let body = app
        .graphql_as(
            &admin,
            "mutation($o: [ClientOrder!]) { exportClients(format: CSV, orderBy: $o) { url } }",
            json!({ "o": twice }),
        )
        .await;
    assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"), "{body}");

    // A cursor works under the ordering it was made for, and only there.
    let by_name = json!([{ "field": "NAME" }]);
    let data = app.ok_as(&viewer, list, json!({ "o": by_name })).await;
    let cursor = data["clients"]["pageInfo"]["endCursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let data = app
        .ok_as(&viewer, list, json!({ "o": by_name, "a": cursor }))
        .await;
    assert_eq!(data["clients"]["edges"][0]["node"]["name"], "Beta");
    let by_code = json!([{ "field": "CLIENT_CODE" }]);
    let body = app
        .graphql_as(&viewer, list, json!({ "o": by_code, "a": cursor }))
        .await;
    assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    let by_name_desc = json!([{ "field": "NAME", "direction": "DESC" }]);
    let body = app
        .graphql_as(&viewer, list, json!({ "o": by_name_desc, "a": cursor }))
        .await;
    assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"), "{body}");
}

#[tokio::test]
async fn huge_input_lists_are_refused_by_name_not_failed_in_the_database() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let viewer = app.token(&tenant, Role::Viewer).await;
    let cases = [
        (
            "query($v: [ClientStatus!]) { clients(filter: {status: $v}) { totalCount } }",
            json!(vec!["ACTIVE"; 40_000]),
            "filter.status",
        ),
        (
            "query($v: [String!]) { clients(filter: {tags: {any: $v}}) { totalCount } }",
            json!((0..1_500).map(|i| format!("t{i}")).collect::<Vec<_>>()),
            "filter.tags.any",
        ),
        (
            "query($v: [CustomFieldFilter!]) { clients(filter: {customFields: $v}) { totalCount } }",
            json!(vec![json!({ "key": "region", "value": "north" }); 1_500]),
            "filter.customFields",
        ),
        (
            "query($v: [ClientOrder!]) { clients(orderBy: $v) { totalCount } }",
            json!(vec![json!({ "field": "NAME" }); 20_000]),
            "orderBy",
        ),
    ];
    for (query, value, field) in cases {
        let body = app.graphql_as(&viewer, query, json!({ "v": value })).await;
        assert_eq!(
            first_error_code(&body),
            Some("BAD_USER_INPUT"),
            "{field}: {body}"
        );
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
}

/// A multipart body mapping one file to `paths` variable paths.
fn many_paths_upload(paths: usize) -> (String, Vec<u8>) {
    let boundary = "cgboundaryHardening";
    let map = json!({ "0": (0..paths).map(|i| format!("variables.f{i}")).collect::<Vec<_>>() });
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{map}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"a.txt\"\r\n\r\nhello\r\n\
         --{boundary}--\r\n",
        json!({ "query": "{ viewer { role } }", "variables": {} })
    )
    .into_bytes();
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn multipart_needs_a_credential_before_any_part_is_read_and_its_map_is_bounded() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let member = app.token(&tenant, Role::Member).await;
    let send = |paths: usize, token: Option<&str>| {
        let (content_type, body) = many_paths_upload(paths);
        let mut request = app
            .client
            .post(app.url("/graphql"))
            .header("content-type", content_type)
            .header("graphql-require-preflight", "1")
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let started = Instant::now();
    let response = send(60_000, None).await.unwrap();
    assert_eq!(response.status(), 401);
    let reply: Value = response.json().await.unwrap();
    assert_eq!(first_error_code(&reply), Some("UNAUTHENTICATED"));
    assert!(started.elapsed() < Duration::from_millis(500));

    let response = send(5_000, Some(&member)).await.unwrap();
    assert_eq!(response.status(), 400);
    let reply: Value = response.json().await.unwrap();
    assert_eq!(first_error_code(&reply), Some("BAD_USER_INPUT"));
    assert!(
        reply["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("5000 paths")
    );

    // The server still serves.
    let data = app.ok_as(&member, "{ viewer { role } }", json!({})).await;
    assert_eq!(data["viewer"]["role"], "MEMBER");
}

/// Reads until the server closes the connection (or `limit` passes); how long it took.
async fn closed_within(stream: &mut tokio::net::TcpStream, limit: Duration) -> Option<Duration> {
    use tokio::io::AsyncReadExt;
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(
            limit.saturating_sub(started.elapsed()),
            stream.read(&mut buf),
        )
        .await
        {
            Ok(Ok(0)) | Ok(Err(_)) => return Some(started.elapsed()),
            Ok(Ok(_)) => continue,
            Err(_) => return None,
        }
    }
}

#[tokio::test]
async fn slow_and_idle_connections_are_closed_and_their_number_is_capped() {
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpStream;
    let app = crate::helpers::spawn_app_with(|c| {
        c.header_read_timeout_secs = 1;
        c.max_connections = 5;
    })
    .await;

    // Headers that never finish (slowloris) are cut off.
    let mut slow = TcpStream::connect(app.addr).await.unwrap();
    slow.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let closed = closed_within(&mut slow, Duration::from_secs(5)).await;
    assert!(
        closed.is_some_and(|d| d < Duration::from_secs(3)),
        "{closed:?}"
    );

    // So is a connection that never sends a byte.
    let mut silent = TcpStream::connect(app.addr).await.unwrap();
    let closed = closed_within(&mut silent, Duration::from_secs(5)).await;
    assert!(
        closed.is_some_and(|d| d < Duration::from_secs(3)),
        "{closed:?}"
    );

    // A kept-alive connection that goes idle is closed too.
    let mut idle = TcpStream::connect(app.addr).await.unwrap();
    idle.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let closed = closed_within(&mut idle, Duration::from_secs(5)).await;
    assert!(
        closed.is_some_and(|d| d < Duration::from_secs(3)),
        "{closed:?}"
    );

    // Five idle sockets fill the cap: a sixth connection is closed at once...
    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(TcpStream::connect(app.addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut extra = TcpStream::connect(app.addr).await.unwrap();
    let _ = extra
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let closed = closed_within(&mut extra, Duration::from_millis(800)).await;
    assert!(
        closed.is_some(),
        "a connection past the cap is closed at once"
    );
    // ...and once the server has timed them out, the listener serves again.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    drop(held);
    let response = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_health_score_cannot_be_inverted_into_feedback_or_billing_it_hides() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let manager = app.token(&tenant, Role::Manager).await;
    // Two clients alike but for feedback and billing figures.
    let happy = app
        .ok_as(
            &admin,
            "mutation { createClient(input: {name: \"Happy\", outstandingBalance: 0, totalRevenue: 90000}) { id } }",
            json!({}),
        )
        .await["createClient"]["id"]
        .clone();
    let unhappy = app
        .ok_as(
            &admin,
            "mutation { createClient(input: {name: \"Unhappy\", outstandingBalance: 50000, totalRevenue: 60000}) { id } }",
            json!({}),
        )
        .await["createClient"]["id"]
        .clone();
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1))
        .date_naive()
        .to_string();
    for (client, rating) in [(&happy, 5), (&unhappy, 1)] {
        app.ok_as(
            &admin,
            "mutation($c: ID!, $at: DateTime!) { logCommunication(clientId: $c, input: {communicationType: CALL, subject: \"s\", communicationAt: $at}) { id } }",
            json!({ "c": client, "at": crate::helpers::days_ago(2) }),
        )
        .await;
        app.ok_as(
            &manager,
            "mutation($c: ID!, $i: FeedbackInput!) { submitFeedback(clientId: $c, input: $i) { id } }",
            json!({ "c": client, "i": { "period": "2026-Q4", "feedbackOn": yesterday,
                "responsivenessRating": rating, "communicationRating": rating, "requirementsClarityRating": rating,
                "decisionSpeedRating": rating, "overallSatisfaction": rating } }),
        )
        .await;
    }
    let query = "query($a: ID!, $b: ID!) { a: client(id: $a) { healthScore { score withheld components { financial communication engagement activity risk } } } b: client(id: $b) { healthScore { score withheld components { financial communication engagement activity risk } } } }";
    let vars = json!({ "a": happy, "b": unhappy });
    for role in [Role::Viewer, Role::Member, Role::Technician] {
        let token = app.token(&tenant, role).await;
        let data = app.ok_as(&token, query, vars.clone()).await;
        assert_eq!(
            data["a"]["healthScore"], data["b"]["healthScore"],
            "{role:?}: {data}"
        );
        assert_eq!(
            data["a"]["healthScore"]["withheld"],
            json!(["billing", "feedback"])
        );
        assert!(data["a"]["healthScore"]["components"]["financial"].is_null());
    }
    // An accountant sees billing, not feedback: the financial part differs, nothing else.
    let accountant = app.token(&tenant, Role::Accountant).await;
    let data = app.ok_as(&accountant, query, vars.clone()).await;
    assert_eq!(data["a"]["healthScore"]["withheld"], json!(["feedback"]));
    assert_eq!(
        data["a"]["healthScore"]["components"]["communication"],
        data["b"]["healthScore"]["components"]["communication"]
    );
    // A manager sees everything, and the two clients differ.
    let data = app.ok_as(&manager, query, vars).await;
    assert_eq!(data["a"]["healthScore"]["withheld"], json!([]));
    assert_ne!(
        data["a"]["healthScore"]["score"],
        data["b"]["healthScore"]["score"]
    );

    // The stored daily score counts everything: it is not shown, nor ordered by, without both.
    let viewer = app.token(&tenant, Role::Viewer).await;
    let body = app
        .graphql_as(
            &viewer,
            "{ clients(orderBy: [{field: HEALTH_SCORE}]) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(first_error_code(&body), Some("FORBIDDEN"), "{body}");
}

/// One attack: what is sent, and the status it must be refused with.
struct Attack {
    name: &'static str,
    token: bool,
    body: Value,
    status: u16,
}

#[tokio::test]
async fn the_attacks_are_refused_at_once_while_a_well_behaved_client_stays_fast() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let viewer = app.token(&tenant, Role::Viewer).await;
    for i in 0..20 {
        app.create_client(&admin, &format!("Client {i:02}")).await;
    }
    let parent = app.create_client(&admin, "Parent Holding").await;
    let login = format!(
        r#"login(tenant: "acme", email: "{}", password: "x") {{ accessToken }}"#,
        tenant.admin_email
    );
    let attacks = [
        Attack {
            name: "list-multiplying subsidiaries",
            token: true,
            body: json!({ "query": format!("{{client(id:{parent}){{subsidiaries{{parent{{subsidiaries{{parent{{subsidiaries{{id}}}}}}}}}}}}}}") }),
            status: 200,
        },
        Attack {
            name: "800 repeated orderBy keys",
            token: true,
            body: json!({ "query": "query($o: [ClientOrder!]) { clients(orderBy: $o) { totalCount } }",
                          "variables": { "o": vec![json!({ "field": "EMPLOYEE_COUNT" }); 800] } }),
            status: 200,
        },
        Attack {
            name: "40,000 statuses",
            token: true,
            body: json!({ "query": "query($s: [ClientStatus!]) { clients(filter: {status: $s}) { totalCount } }",
                          "variables": { "s": vec!["ACTIVE"; 40_000] } }),
            status: 200,
        },
        Attack {
            name: "500 directives",
            token: false,
            body: json!({ "query": format!("{{ serverInfo {} {{ database }} }}", "@include(if: true) ".repeat(500)) }),
            status: 200,
        },
        Attack {
            name: "a 100,000-character field name",
            token: false,
            body: json!({ "query": format!("{{ {} }}", "x".repeat(100_000)) }),
            status: 200,
        },
        Attack {
            name: "50 aliased logins",
            token: false,
            body: json!({ "query": format!("mutation {{ {} }}", (0..50).map(|i| format!("l{i}: {login}")).collect::<Vec<_>>().join(" ")) }),
            status: 400,
        },
        Attack {
            name: "a batch of 10 logins",
            token: false,
            body: json!(vec![
                json!({ "query": format!("mutation {{ {login} }}") });
                10
            ]),
            status: 400,
        },
        Attack {
            name: "11 aliased mutations",
            token: true,
            body: json!({ "query": format!("mutation {{ {} }}", (0..11).map(|i| format!("c{i}: createClient(input: {{name: \"Spam {i}\"}}) {{ id }}")).collect::<Vec<_>>().join(" ")) }),
            status: 400,
        },
    ];

    let _timing = crate::helpers::TIMING.read().await;
    let well_behaved = async {
        let mut latencies = Vec::new();
        for _ in 0..100 {
            let started = Instant::now();
            let data = app
                .ok_as(&viewer, "{ clients(first: 20, orderBy: [{field: NAME}]) { totalCount nodes { name status } } }", json!({}))
                .await;
            assert_eq!(data["clients"]["nodes"].as_array().unwrap().len(), 20);
            latencies.push(started.elapsed());
        }
        latencies.sort();
        latencies
    };
    let attacker = async {
        let mut slowest = Vec::new();
        for _ in 0..5 {
            for attack in &attacks {
                let mut request = app.client.post(app.url("/graphql")).json(&attack.body);
                if attack.token {
                    request = request.bearer_auth(&admin);
                }
                let started = Instant::now();
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                let body: Value = response.json().await.unwrap();
                let elapsed = started.elapsed();
                assert_eq!(status, attack.status, "{}: {body}", attack.name);
                let codes = crate::helpers::error_codes(&body);
                let refused = codes.iter().any(|c| c == "BAD_USER_INPUT")
                    || body.as_array().is_some_and(|all| !all.is_empty());
                assert!(refused, "{} was not refused: {body}", attack.name);
                assert!(
                    body.to_string().len() < 4_000,
                    "{} echoed its input",
                    attack.name
                );
                slowest.push((elapsed, attack.name));
            }
        }
        slowest.sort();
        slowest
    };
    let (latencies, refusals) = tokio::join!(well_behaved, attacker);
    let p99 = latencies[98];
    let (worst, which) = refusals.last().copied().unwrap();
    eprintln!(
        "well-behaved p50 {:?} p99 {p99:?}; slowest refusal {worst:?} ({which})",
        latencies[49]
    );
    assert!(
        worst < Duration::from_millis(500),
        "{which} took {worst:?} to refuse"
    );
    assert!(p99 < Duration::from_millis(200), "well-behaved p99 {p99:?}");
    // Nothing of the refused mutations was written.
    let data = app
        .ok_as(&admin, "{ clients { totalCount } }", json!({}))
        .await;
    assert_eq!(data["clients"]["totalCount"], 21);
}
