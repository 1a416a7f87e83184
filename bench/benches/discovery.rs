//! What balancing costs a client: the generated clients built with
//! `discover` over one instance against the same clients built with `new`
//! for the same address, calling one generated addsvc server, in
//! alternating rounds of one run. Over HTTP/1.1 and over gRPC.
//!
//! ```text
//! cargo bench -p kitgen-bench --bench discovery
//! ```

use std::net::SocketAddr;

use addsvc::{AddService, add_service};
use kit::sd::Instancer;
use kitgen_bench::http_load::serve;
use kitgen_bench::{
    LoadClient, LoadConfig, Measurement, compare, is_smoke_run, round, runtimes, targets,
};

/// One load client: a clone of a generated client, calling `sum`.
struct Sum<C>(C);

impl<C: AddService + Clone + Send + Sync + 'static> LoadClient for Sum<C> {
    async fn call(&mut self) -> bool {
        self.0.sum(&kit::Context::new(), 21, 21).await.is_ok()
    }
}

/// Loads `balanced` and `plain` in alternating rounds (which goes first
/// alternates too), after a warm-up of each.
async fn side_by_side<C>(config: &LoadConfig, balanced: C, plain: C) -> (Measurement, Measurement)
where
    C: AddService + Clone + Send + Sync + 'static,
{
    let clients = |client: &C| {
        (0..config.clients)
            .map(|_| Sum(client.clone()))
            .collect::<Vec<_>>()
    };
    for client in [&balanced, &plain] {
        round(clients(client), config.round / 4).await;
    }
    let (mut ours, mut theirs) = (Measurement::default(), Measurement::default());
    for index in 0..config.rounds {
        let balanced_first = index % 2 == 0;
        for is_balanced in [balanced_first, !balanced_first] {
            let client = if is_balanced { &balanced } else { &plain };
            let measured = round(clients(client), config.round).await;
            if is_balanced { &mut ours } else { &mut theirs }.absorb(measured);
        }
    }
    (ours, theirs)
}

fn instancer(addr: SocketAddr) -> Instancer {
    Instancer::fixed([addr.to_string()]).expect("an address")
}

fn main() {
    let config = LoadConfig::from_env(is_smoke_run());
    let (servers, load) = runtimes();

    let http = servers.block_on(serve(targets::generated_http()));
    let (mut balanced, mut plain) = load.block_on(side_by_side(
        &config,
        add_service::HttpClient::discover(instancer(http)),
        add_service::HttpClient::new(&format!("http://{http}")).expect("a URL"),
    ));
    compare(
        "addsvc sum through the generated HTTP client, one instance",
        &config,
        ("discover", &mut balanced),
        ("new", &mut plain),
        0.95,
    );

    let grpc = servers.block_on(targets::spawn(targets::serve_generated_grpc));
    let (mut balanced, mut plain) = load.block_on(async {
        let plain = add_service::GrpcClient::new(&format!("http://{grpc}")).expect("a URL");
        side_by_side(
            &config,
            add_service::GrpcClient::discover(instancer(grpc)),
            plain,
        )
        .await
    });
    compare(
        "addsvc sum through the generated gRPC client, one instance",
        &config,
        ("discover", &mut balanced),
        ("new", &mut plain),
        0.95,
    );
}
