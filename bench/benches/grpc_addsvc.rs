//! addsvc over the generated gRPC transport (served by `kit::Server`)
//! against the same service hand-written on tonic from a .proto (served by
//! tonic's own server), loaded side by side on loopback in one run, with
//! the same tonic client.
//!
//! ```text
//! cargo bench -p kitgen-bench --bench grpc_addsvc
//! ```

use std::net::SocketAddr;

use kitgen_bench::targets::{self, pb};
use kitgen_bench::{LoadClient, LoadConfig, is_smoke_run, report, runtimes, side_by_side};
use tonic::transport::Channel;

/// One stream at a time on a channel shared by a few clients.
struct GrpcSum(pb::add_service_client::AddServiceClient<Channel>);

impl LoadClient for GrpcSum {
    async fn call(&mut self) -> bool {
        self.0
            .sum(pb::SumRequest { a: 21, b: 21 })
            .await
            .is_ok_and(|response| response.into_inner().value == 42)
    }
}

/// Clients spread over four HTTP/2 connections, as a real caller's pool.
async fn connect(addr: SocketAddr, clients: usize) -> Vec<GrpcSum> {
    const CONNECTIONS: usize = 4;
    let mut channels = Vec::with_capacity(CONNECTIONS);
    for _ in 0..CONNECTIONS {
        let channel = Channel::from_shared(format!("http://{addr}"))
            .expect("url")
            .tcp_nodelay(true)
            .connect()
            .await
            .expect("connect");
        channels.push(channel);
    }
    (0..clients)
        .map(|index| {
            GrpcSum(pb::add_service_client::AddServiceClient::new(
                channels[index % CONNECTIONS].clone(),
            ))
        })
        .collect()
}

fn main() {
    let config = LoadConfig::from_env(is_smoke_run());
    let (servers, load) = runtimes();
    let ours = servers.block_on(targets::spawn(targets::serve_generated_grpc));
    let theirs = servers.block_on(targets::spawn(targets::serve_tonic_grpc));
    let (mut kitgen, mut baseline) = load.block_on(side_by_side(&config, ours, theirs, connect));
    report(
        "addsvc Sum over gRPC (HTTP/2) on loopback",
        &config,
        &mut kitgen,
        &mut baseline,
    );
}
