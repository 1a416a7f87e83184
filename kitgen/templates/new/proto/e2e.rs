//! End to end: the services on real sockets, every method called through
//! the generated HTTP and gRPC clients, with `1` in each field that its
//! HTTP route's path needs.

use std::sync::Arc;

use {{ s.lib_path }}::*;
use tokio::net::TcpListener;

{% include "new/e2e_server.rs" %}
{%- for svc in s.services %}

/// Calls every method of [`{{ svc.trait_name }}`] through `client`.
async fn call_{{ svc.module }}(client: &impl {{ svc.trait_name }}) {
{%- for m in svc.methods %}
{%- if m.request_json == "{}" %}
    let request = {{ m.request }}::default();
{%- else %}
    let request: {{ m.request }} = serde_json::from_str(r#"{{ m.request_json }}"#).unwrap();
{%- endif %}
    let response = client.{{ m.name }}(&kit::Context::new(), request).await;
    assert!(response.is_ok(), "{{ m.name }}: {response:?}");
{%- endfor %}
}
{%- endfor %}

#[tokio::test]
async fn every_method_answers_over_http_and_grpc() {
    let running = Running::start().await;
{%- for svc in s.services %}
    call_{{ svc.module }}(&{{ svc.module }}::HttpClient::new(&running.http).unwrap()).await;
    call_{{ svc.module }}(&{{ svc.module }}::GrpcClient::new(&running.grpc).unwrap()).await;
{%- endfor %}
    running.stop().await;
}
