//! `kit::sd::dns` against a DNS server on 127.0.0.1: a small one made here
//! from hickory's message types, answering from a table the test changes
//! while the instancer runs.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hickory_resolver::proto::op::{Message, ResponseCode};
use hickory_resolver::proto::rr::rdata::{A, SRV};
use hickory_resolver::proto::rr::{Name, RData, Record, RecordType};
use kit::sd::Instancer;
use kit::sd::dns::Dns;

/// The records the server answers with, by name and type.
type Zone = Arc<Mutex<HashMap<(String, RecordType), Vec<RData>>>>;

/// Serves `zone` over UDP on 127.0.0.1, with a time to live of 0: names it
/// does not have are `NXDOMAIN`.
async fn serve(zone: Zone) -> SocketAddr {
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = socket.local_addr().unwrap();
    tokio::spawn(async move {
        let mut buffer = vec![0; 4096];
        loop {
            let (length, from) = socket.recv_from(&mut buffer).await.unwrap();
            let Ok(query) = Message::from_vec(&buffer[..length]) else {
                continue;
            };
            let mut response = Message::response(query.metadata.id, query.metadata.op_code);
            response.metadata.recursion_desired = query.metadata.recursion_desired;
            response.metadata.recursion_available = true;
            for question in &query.queries {
                response.add_query(question.clone());
                let name = question.name().to_utf8().to_lowercase();
                let zone = zone.lock().unwrap();
                match zone.get(&(name.clone(), question.query_type())) {
                    Some(records) => {
                        for data in records {
                            response.add_answer(Record::from_rdata(
                                question.name().clone(),
                                0,
                                data.clone(),
                            ));
                        }
                    }
                    // The name exists with other records: no data.
                    None if zone.keys().any(|(known, _)| *known == name) => {}
                    None => response.metadata.response_code = ResponseCode::NXDomain,
                }
            }
            let _ = socket.send_to(&response.to_vec().unwrap(), from).await;
        }
    });
    addr
}

fn a(ip: [u8; 4]) -> RData {
    RData::A(A(Ipv4Addr::from(ip)))
}

fn srv(port: u16, target: &str) -> RData {
    RData::SRV(SRV::new(0, 0, port, Name::from_utf8(target).unwrap()))
}

/// Waits (at most 10 s) until the instancer's addresses are `expected`.
async fn until(instancer: &Instancer, expected: &[&str]) {
    for _ in 0..500 {
        let now: Vec<String> = instancer
            .instances()
            .iter()
            .map(ToString::to_string)
            .collect();
        if now == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("never saw {expected:?}: {instancer:?}");
}

const EVERY: Duration = Duration::from_millis(50);

#[tokio::test]
async fn a_records_are_resolved_again_and_a_failure_keeps_the_last_set() {
    let zone = Zone::default();
    let name = "orders.test.".to_owned();
    zone.lock().unwrap().insert(
        (name.clone(), RecordType::A),
        vec![a([10, 0, 0, 1]), a([10, 0, 0, 2])],
    );
    let dns = Dns::with_server(serve(zone.clone()).await).unwrap();
    let instancer = dns.instancer("orders.test.", 8080, EVERY);
    until(&instancer, &["10.0.0.1:8080", "10.0.0.2:8080"]).await;

    // One record changes while the instancer runs.
    zone.lock().unwrap().insert(
        (name.clone(), RecordType::A),
        vec![a([10, 0, 0, 1]), a([10, 0, 0, 3])],
    );
    until(&instancer, &["10.0.0.1:8080", "10.0.0.3:8080"]).await;
    assert_eq!(instancer.error(), None);

    // The name goes away: the lookup fails, and the last set stays.
    zone.lock().unwrap().clear();
    for _ in 0..500 {
        if instancer.error().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let error = instancer.error().expect("the failed lookup is reported");
    assert!(error.contains("orders.test"), "{error}");
    assert_eq!(instancer.instances().len(), 2);
    assert!(
        instancer.source().contains("orders.test"),
        "{}",
        instancer.source()
    );
}

#[tokio::test]
async fn srv_records_give_each_target_its_port() {
    let zone = Zone::default();
    zone.lock().unwrap().insert(
        ("_grpc._tcp.orders.test.".to_owned(), RecordType::SRV),
        vec![
            srv(9090, "orders-0.orders.test."),
            srv(9091, "orders-1.orders.test."),
        ],
    );
    let dns = Dns::with_server(serve(zone).await).unwrap();
    let instancer = dns.srv_instancer("_grpc._tcp.orders.test.", EVERY);
    until(
        &instancer,
        &["orders-0.orders.test:9090", "orders-1.orders.test:9091"],
    )
    .await;
}
