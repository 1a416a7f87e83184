//! addsvc over the generated gRPC transport (served by `kit::Server`)
//! against the same service hand-written on tonic from a .proto (served by
//! tonic's own server), loaded side by side on loopback in one run, with
//! the same tonic client.
//!
//! ```text
//! cargo bench -p kitgen-bench --bench grpc_addsvc
//! ```

use std::net::SocketAddr;
use std::sync::Arc;

use addsvc::{AddService, BasicAddService, add_service};
use kitgen_bench::{LoadClient, LoadConfig, is_smoke_run, report, runtimes, side_by_side};
use tokio::net::TcpListener;
use tonic::transport::Channel;

/// The types and stubs tonic-prost-build generates from `proto/addsvc.proto`.
mod pb {
    #![allow(missing_docs, unreachable_pub, clippy::all)]
    tonic::include_proto!("addsvc");
}

/// addsvc by hand on tonic: the same business logic behind the generated
/// service trait.
struct HandWritten;

#[tonic::async_trait]
impl pb::add_service_server::AddService for HandWritten {
    async fn sum(
        &self,
        request: tonic::Request<pb::SumRequest>,
    ) -> Result<tonic::Response<pb::SumResponse>, tonic::Status> {
        let pb::SumRequest { a, b } = request.into_inner();
        let ctx = kit::Context::new();
        match BasicAddService.sum(&ctx, a, b).await {
            Ok(value) => Ok(tonic::Response::new(pb::SumResponse { value })),
            Err(error) => Err(tonic::Status::invalid_argument(error.to_string())),
        }
    }

    async fn concat(
        &self,
        request: tonic::Request<pb::ConcatRequest>,
    ) -> Result<tonic::Response<pb::ConcatResponse>, tonic::Status> {
        let pb::ConcatRequest { a, b } = request.into_inner();
        let ctx = kit::Context::new();
        match BasicAddService.concat(&ctx, a, b).await {
            Ok(value) => Ok(tonic::Response::new(pb::ConcatResponse { value })),
            Err(error) => Err(tonic::Status::invalid_argument(error.to_string())),
        }
    }
}

async fn serve_generated() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let endpoints = add_service::Endpoints::new(Arc::new(BasicAddService));
    let routes = kit::grpc::Routes::new().add_service(add_service::GrpcServer::new(endpoints));
    tokio::spawn(async move {
        kit::Server::new()
            .grpc(listener, routes)
            .run_until(std::future::pending())
            .await
            .expect("serve");
    });
    addr
}

async fn serve_hand_written() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .tcp_nodelay(true)
            .add_service(pb::add_service_server::AddServiceServer::new(HandWritten))
            .serve_with_incoming(incoming)
            .await
            .expect("serve");
    });
    addr
}

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
    let ours = servers.block_on(serve_generated());
    let theirs = servers.block_on(serve_hand_written());
    let (mut kitgen, mut baseline) = load.block_on(side_by_side(&config, ours, theirs, connect));
    report(
        "addsvc Sum over gRPC (HTTP/2) on loopback",
        &config,
        &mut kitgen,
        &mut baseline,
    );
}
