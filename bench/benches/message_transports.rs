//! The transports that carry one whole message each way by name, against
//! their baselines, side by side in one run each:
//!
//! * addsvc's `Sum` over the generated JSON-RPC 2.0 (`POST /rpc`) against
//!   the same method on jsonrpsee, the Rust JSON-RPC standard, over
//!   HTTP/1.1 keep-alive connections (target >= 1.0);
//! * addsvc's `Sum` over the generated NATS request-reply against a
//!   hand-written async-nats responder, through one NATS server pinned with
//!   the load (target >= 0.95).
//!
//! ```text
//! cargo bench -p kitgen-bench --bench message_transports
//! ```

use std::net::SocketAddr;

use bytes::Bytes;
use kitgen_bench::http_load::connect_posting;
use kitgen_bench::{
    LoadClient, LoadConfig, NatsBroker, alternating, compare, is_smoke_run, runtimes, targets,
};

const SUM: &[u8] =
    br#"{"jsonrpc":"2.0","method":"AddService.sum","params":{"a":21,"b":21},"id":1}"#;

/// The subject the hand-written NATS responder answers on.
const HAND_WRITTEN_SUBJECT: &str = "bench.addsvc.AddService.Sum";

fn main() {
    let config = LoadConfig::from_env(is_smoke_run());
    let (servers, load) = runtimes();

    let ours = servers.block_on(targets::spawn(targets::serve_generated_jsonrpc));
    let theirs = servers.block_on(targets::serve_jsonrpsee());
    let connect = |target: usize, clients: usize| {
        let (addr, path): (SocketAddr, &str) = [(ours, "/rpc"), (theirs, "/")][target];
        connect_posting(addr, clients, path, SUM, br#""result":42"#)
    };
    let [mut kitgen, mut jsonrpsee] = load.block_on(alternating(&config, connect));
    compare(
        "addsvc AddService.sum over JSON-RPC 2.0, HTTP/1.1 on loopback",
        &config,
        ("kitgen", &mut kitgen),
        ("jsonrpsee", &mut jsonrpsee),
        1.0,
    );

    let broker = NatsBroker::start();
    servers.block_on(targets::serve_generated_nats(&broker.url));
    servers.block_on(targets::serve_hand_written_nats(
        &broker.url,
        HAND_WRITTEN_SUBJECT,
    ));
    let connections: Vec<async_nats::Client> = load.block_on(async {
        let mut connections = Vec::new();
        for _ in 0..4 {
            connections.push(async_nats::connect(&broker.url).await.expect("connect"));
        }
        connections
    });
    let subjects = ["rpc.addsvc.AddService.Sum", HAND_WRITTEN_SUBJECT];
    let connect = |target: usize, clients: usize| {
        let callers = (0..clients)
            .map(|at| NatsSum {
                nats: connections[at % connections.len()].clone(),
                subject: subjects[target],
            })
            .collect();
        std::future::ready(callers)
    };
    let [mut kitgen, mut hand_written] = load.block_on(alternating(&config, connect));
    compare(
        "addsvc Sum over NATS request-reply, through nats-server on loopback",
        &config,
        ("kitgen", &mut kitgen),
        ("hand-written", &mut hand_written),
        0.95,
    );
}

/// One caller sending `{"a": 21, "b": 21}` on a subject and waiting for
/// `42`, over a connection it shares with others.
struct NatsSum {
    nats: async_nats::Client,
    subject: &'static str,
}

impl LoadClient for NatsSum {
    async fn call(&mut self) -> bool {
        let request = Bytes::from_static(br#"{"a": 21, "b": 21}"#);
        match self.nats.request(self.subject, request).await {
            Ok(reply) => reply.payload.as_ref() == b"42",
            Err(_) => false,
        }
    }
}
