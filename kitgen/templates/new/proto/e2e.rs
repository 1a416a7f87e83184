//! End to end: the services on real sockets, every method called through
//! the generated gRPC client, and through the HTTP client where its route
//! needs no path parameter (an empty request has none to give).

use std::sync::Arc;

use {{ s.lib_path }}::*;
use tokio::net::TcpListener;

{% include "new/e2e_server.rs" %}
{%- for svc in s.services %}
{%- if !svc.plain_methods().is_empty() %}

/// Calls the methods of [`{{ svc.trait_name }}`] whose HTTP routes take no path parameter.
async fn call_{{ svc.module }}(client: &impl {{ svc.trait_name }}) {
{%- for m in svc.plain_methods() %}
    let response = client.{{ m.name }}(&kit::Context::new(), {{ m.request }}::default()).await;
    assert!(response.is_ok(), "{{ m.name }}: {response:?}");
{%- endfor %}
}
{%- endif %}
{%- if !svc.path_methods().is_empty() %}

/// Calls the methods of [`{{ svc.trait_name }}`] whose HTTP routes take path parameters.
async fn call_{{ svc.module }}_by_path(client: &impl {{ svc.trait_name }}) {
{%- for m in svc.path_methods() %}
    let response = client.{{ m.name }}(&kit::Context::new(), {{ m.request }}::default()).await;
    assert!(response.is_ok(), "{{ m.name }}: {response:?}");
{%- endfor %}
}
{%- endif %}
{%- endfor %}

#[tokio::test]
async fn every_method_answers_over_http_and_grpc() {
    let running = Running::start().await;
{%- for svc in s.services %}
    let grpc = {{ svc.module }}::GrpcClient::new(&running.grpc).unwrap();
{%- if !svc.plain_methods().is_empty() %}
    call_{{ svc.module }}(&{{ svc.module }}::HttpClient::new(&running.http).unwrap()).await;
    call_{{ svc.module }}(&grpc).await;
{%- endif %}
{%- if !svc.path_methods().is_empty() %}
    call_{{ svc.module }}_by_path(&grpc).await;
{%- endif %}
{%- endfor %}
    running.stop().await;
}
