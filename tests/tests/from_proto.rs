//! Services generated from `.proto` files (by `kitgen::Builder` in
//! `tests/build.rs`), served over HTTP and gRPC on 127.0.0.1 and called by
//! the generated clients, by raw HTTP JSON, and by reflection.

use std::sync::Arc;

use http::Method;
use kitgen_tests::from_proto::{GoKitAdd, Orders, ordersvc, pb};
use kitgen_tests::{RawConnection, base_url, serve, serve_grpc};
use ordersvc::OrderService as _;
use pb::Add as _;

async fn add_servers() -> (std::net::SocketAddr, std::net::SocketAddr) {
    let endpoints = pb::add::Endpoints::new(Arc::new(GoKitAdd));
    let http = serve(pb::add::http_router(endpoints.clone())).await;
    let grpc =
        serve_grpc(kit::grpc::Routes::new().add_service(pb::add::GrpcServer::new(endpoints))).await;
    (http, grpc)
}

async fn order_servers() -> (std::net::SocketAddr, std::net::SocketAddr) {
    let endpoints = ordersvc::order_service::Endpoints::new(Arc::new(Orders::default()));
    let http = serve(ordersvc::order_service::http_router(endpoints.clone())).await;
    let routes =
        kit::grpc::Routes::new().add_service(ordersvc::order_service::GrpcServer::new(endpoints));
    (http, serve_grpc(routes).await)
}

fn pizza() -> ordersvc::Order {
    ordersvc::Order {
        id: String::new(),
        customer_id: "cust-1".into(),
        status: String::new(),
        created_on: 1_700_000_000,
        restaurant_id: "rest-9".into(),
        order_items: vec![ordersvc::OrderItem {
            product_code: "PZ-1".into(),
            name: "Margherita".into(),
            unit_price: 9.5,
            quantity: 2,
        }],
    }
}

#[tokio::test]
async fn go_kits_addsvc_works_over_both_transports() {
    let (http, grpc) = add_servers().await;
    let ctx = kit::Context::new();
    let http = pb::add::HttpClient::new(&base_url(http)).unwrap();
    let grpc = pb::add::GrpcClient::new(&base_url(grpc)).unwrap();
    for reply in [
        http.sum(&ctx, pb::SumRequest { a: 2, b: 3 }).await.unwrap(),
        grpc.sum(&ctx, pb::SumRequest { a: 2, b: 3 }).await.unwrap(),
    ] {
        assert_eq!(
            reply,
            pb::SumReply {
                v: 5,
                err: String::new()
            }
        );
    }
    for reply in [
        http.sum(&ctx, pb::SumRequest { a: 0, b: 0 }).await.unwrap(),
        grpc.sum(&ctx, pb::SumRequest { a: 0, b: 0 }).await.unwrap(),
    ] {
        assert_eq!(reply.err, "can't sum two zeroes");
    }
    let reply = grpc
        .concat(
            &ctx,
            pb::ConcatRequest {
                a: "0123456789".into(),
                b: "x".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(reply.err, "result exceeds maximum size");
    let reply = http
        .concat(
            &ctx,
            pb::ConcatRequest {
                a: "ab".into(),
                b: "cd".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(reply.v, "abcd");
}

#[tokio::test]
async fn unannotated_methods_are_posts_of_the_whole_message_in_proto3_json() {
    let (http, _) = add_servers().await;
    let mut connection = RawConnection::open(http).await;
    // int64 travels as a string in proto3 JSON, and either form is accepted.
    let response = connection
        .send_json(Method::POST, "/pb.Add/Sum", r#"{"a": "40", "b": 2}"#)
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json(), serde_json::json!({"v": "42", "err": ""}));
    let response = connection
        .send_json(Method::POST, "/pb.Add/Sum", r#"{"a": 1, "bogus": 2}"#)
        .await;
    assert_eq!(response.status, 400, "{:?}", response.json());
    assert!(
        response.json()["message"]
            .as_str()
            .unwrap()
            .contains("bogus")
    );
}

#[tokio::test]
async fn the_order_service_works_over_both_transports() {
    let (http, grpc) = order_servers().await;
    let ctx = kit::Context::new();
    let http = ordersvc::order_service::HttpClient::new(&base_url(http)).unwrap();
    let grpc = ordersvc::order_service::GrpcClient::new(&base_url(grpc)).unwrap();

    let id = http
        .create(
            &ctx,
            ordersvc::CreateRequest {
                order: Some(pizza()),
            },
        )
        .await
        .unwrap()
        .value;
    let order = http
        .get_by_id(&ctx, ordersvc::GetByIdRequest { id: id.clone() })
        .await
        .unwrap();
    assert_eq!(order.value.unwrap().order_items[0].name, "Margherita");
    http.change_status(
        &ctx,
        ordersvc::ChangeStatusRequest {
            id: id.clone(),
            status: "Delivered".into(),
        },
    )
    .await
    .unwrap();
    let order = http
        .get_by_id(&ctx, ordersvc::GetByIdRequest { id: id.clone() })
        .await
        .unwrap();
    assert_eq!(order.value.unwrap().status, "Delivered");

    let id = grpc
        .create(
            &ctx,
            ordersvc::CreateRequest {
                order: Some(pizza()),
            },
        )
        .await
        .unwrap()
        .value;
    let order = grpc
        .get_by_id(&ctx, ordersvc::GetByIdRequest { id })
        .await
        .unwrap();
    assert_eq!(order.value.unwrap().status, "Pending");

    for error in [
        http.get_by_id(&ctx, ordersvc::GetByIdRequest { id: "nope".into() })
            .await
            .unwrap_err(),
        grpc.get_by_id(&ctx, ordersvc::GetByIdRequest { id: "nope".into() })
            .await
            .unwrap_err(),
    ] {
        assert_eq!(
            (error.code(), error.message()),
            (kit::Code::NotFound, "order not found")
        );
    }
}

#[tokio::test]
async fn http_rules_shape_the_json() {
    let (http, _) = order_servers().await;
    let mut connection = RawConnection::open(http).await;
    // `body: "order"`: the body is the order itself; proto names and JSON
    // names are both accepted.
    let response = connection
        .send_json(
            Method::POST,
            "/orders",
            r#"{"id": "o-1", "customer_id": "c-1", "restaurantId": "r-1", "createdOn": "5",
                "orderItems": [{"productCode": "P", "name": "Tea", "unitPrice": 1.5, "quantity": 2}]}"#,
        )
        .await;
    assert_eq!(
        (response.status.as_u16(), response.json()),
        (200, serde_json::json!({"value": "o-1"}))
    );

    // `get: "/orders/{id}"`: the response is the whole message, with every
    // field, in JSON names, int64 as a string.
    let response = connection.send(Method::GET, "/orders/o-1", &[], "").await;
    assert_eq!(
        response.json(),
        serde_json::json!({"value": {
            "id": "o-1", "customerId": "c-1", "status": "Pending", "createdOn": "5", "restaurantId": "r-1",
            "orderItems": [{"productCode": "P", "name": "Tea", "unitPrice": 1.5, "quantity": 2}],
        }})
    );

    // `put: "/orders/{id}/status" body: "*"`, and its additional binding.
    let response = connection
        .send_json(
            Method::PUT,
            "/orders/o-1/status",
            r#"{"status": "Cooking"}"#,
        )
        .await;
    assert_eq!(
        (response.status.as_u16(), response.json()),
        (200, serde_json::json!({}))
    );
    let response = connection
        .send_json(Method::POST, "/orders/o-1/status", r#"{"status": "Done"}"#)
        .await;
    assert_eq!(response.status, 200);
    let response = connection.send(Method::GET, "/orders/o-1", &[], "").await;
    assert_eq!(response.json()["value"]["status"], "Done");

    // Errors keep kit's JSON form.
    let response = connection.send(Method::GET, "/orders/nope", &[], "").await;
    assert_eq!(response.status, 404);
    assert_eq!(
        response.json(),
        serde_json::json!({"code": "NOT_FOUND", "message": "order not found"})
    );
    // A query parameter of a GET fills a field; an unknown one is refused.
    let response = connection
        .send(Method::GET, "/orders/nope?bogus=1", &[], "")
        .await;
    assert_eq!(response.status, 400);
}

#[tokio::test]
async fn reflection_serves_the_descriptors_the_service_was_compiled_from() {
    use prost::Message as _;
    let set =
        <ordersvc::order_service::GrpcServer as kit::grpc::GrpcService>::file_descriptor_set()
            .unwrap();
    let names: Vec<&str> = set
        .file
        .iter()
        .filter_map(|file| file.name.as_deref())
        .collect();
    assert!(names.contains(&"order.proto"), "{names:?}");
    assert!(names.contains(&"google/api/annotations.proto"), "{names:?}");
    let order = set
        .file
        .iter()
        .find(|file| file.name.as_deref() == Some("order.proto"))
        .unwrap();
    assert_eq!(order.service[0].name.as_deref(), Some("OrderService"));
    assert!(!set.encode_to_vec().is_empty());
}

mod catalog {
    use std::sync::Arc;

    use http::Method;
    use kitgen_tests::from_proto::{Catalog, acme};
    use kitgen_tests::{RawConnection, base_url, serve, serve_grpc};

    use acme::catalog::v1::Catalog as _;
    use acme::catalog::v1::catalog;

    async fn servers(catalog: Arc<Catalog>) -> (std::net::SocketAddr, std::net::SocketAddr) {
        let endpoints = catalog::Endpoints::new(catalog);
        let http = serve(catalog::http_router(endpoints.clone())).await;
        let grpc =
            serve_grpc(kit::grpc::Routes::new().add_service(catalog::GrpcServer::new(endpoints)))
                .await;
        (http, grpc)
    }

    #[tokio::test]
    async fn oneof_maps_well_known_types_enums_and_imports_round_trip() {
        let (http, grpc) = servers(Arc::new(Catalog::default())).await;
        let ctx = kit::Context::new();
        let request = || acme::catalog::v1::GetProductRequest {
            key: Some(acme::catalog::v1::ProductKey {
                shop: "s1".into(),
                sku: "sku/1".into(),
            }),
        };
        let over_http = catalog::HttpClient::new(&base_url(http))
            .unwrap()
            .get_product(&ctx, request())
            .await
            .unwrap();
        let over_grpc = catalog::GrpcClient::new(&base_url(grpc))
            .unwrap()
            .get_product(&ctx, request())
            .await
            .unwrap();
        assert_eq!(over_http, Catalog::product());
        assert_eq!(over_grpc, Catalog::product());
    }

    #[tokio::test]
    async fn path_variables_with_field_paths_queries_and_single_field_bodies() {
        let shop = Arc::new(Catalog::default());
        let (http, _) = servers(shop.clone()).await;
        let mut connection = RawConnection::open(http).await;

        // `{key.shop}` and `{key.sku}`: nested fields, escaped in the path.
        let response = connection
            .send(Method::GET, "/v1/shops/s1/products/sku%2F1", &[], "")
            .await;
        assert_eq!(response.status, 200, "{:?}", response.json());
        let json = response.json();
        assert_eq!(
            json["key"],
            serde_json::json!({"shop": "s1", "sku": "sku/1"})
        );
        assert_eq!(
            json["price"],
            serde_json::json!({"currency": "EUR", "units": "12"})
        );
        assert_eq!(json["availability"], "AVAILABILITY_IN_STOCK");
        assert_eq!(json["updatedAt"], "2023-11-14T22:13:20+00:00");
        assert_eq!(json["percentOff"], 10);
        assert_eq!(json["attributes"], serde_json::json!({"color": "blue"}));
        assert_eq!(json["stock"], "3");

        // The query fills other fields: repeated ones from repeated keys,
        // bools from `true`, proto and JSON names both.
        let response = connection
            .send(
                Method::GET,
                "/v1/products?shop=s1&tags=a&tags=b&featuredOnly=true&page_size=2",
                &[],
                "",
            )
            .await;
        assert_eq!(response.status, 200, "{:?}", response.json());
        // `body: "price"`: the body is the price alone.
        let response = connection
            .send_json(
                Method::PATCH,
                "/v1/products/sku-9/price",
                r#"{"currency": "USD", "units": "7"}"#,
            )
            .await;
        assert_eq!(
            (response.status.as_u16(), response.json()),
            (200, serde_json::json!({}))
        );
        let seen = shop.seen.lock().unwrap().clone();
        assert_eq!(
            seen,
            [
                "get s1/sku/1",
                r#"list shop=s1 tags=["a", "b"] featured_only=true page_size=2"#,
                "price sku-9 USD 7",
            ]
        );

        // Text that does not fit the field is a 400 that says so.
        let response = connection
            .send(Method::GET, "/v1/products?featuredOnly=maybe", &[], "")
            .await;
        assert_eq!(response.status, 400);
        assert!(
            response.json()["message"]
                .as_str()
                .unwrap()
                .contains("is a bool")
        );
    }

    /// `GET …/{key.shop}/products/{key.sku}` and the standard update
    /// method's `PATCH …/{product.key.shop}/products/{product.key.sku}`:
    /// one route shape, two field paths, both served.
    #[tokio::test]
    async fn routes_at_the_same_places_with_other_field_paths_are_served() {
        let shop = Arc::new(Catalog::default());
        let (http, _) = servers(shop.clone()).await;
        let mut connection = RawConnection::open(http).await;
        let response = connection
            .send_json(
                Method::PATCH,
                "/v1/shops/s2/products/sku-5",
                r#"{"title": "Kettle"}"#,
            )
            .await;
        assert_eq!(response.status, 200, "{:?}", response.json());
        assert_eq!(
            response.json()["key"],
            serde_json::json!({"shop": "s2", "sku": "sku-5"})
        );
        let response = connection
            .send(Method::GET, "/v1/shops/s1/products/sku%2F1", &[], "")
            .await;
        assert_eq!(response.status, 200, "{:?}", response.json());

        let client = catalog::HttpClient::new(&base_url(http)).unwrap();
        let mut product = Catalog::product();
        product.title = "Teapot II".into();
        let updated = client
            .update_product(
                &kit::Context::new(),
                acme::catalog::v1::UpdateProductRequest {
                    product: Some(product.clone()),
                },
            )
            .await
            .unwrap();
        assert_eq!(updated, product);
        let seen = shop.seen.lock().unwrap().clone();
        assert_eq!(
            seen,
            [
                "update s2/sku-5 Kettle",
                "get s1/sku/1",
                "update s1/sku/1 Teapot II"
            ]
        );
    }

    #[tokio::test]
    async fn the_http_client_sends_queries_and_single_field_bodies() {
        let shop = Arc::new(Catalog::default());
        let (http, _) = servers(shop.clone()).await;
        let client = catalog::HttpClient::new(&base_url(http)).unwrap();
        let ctx = kit::Context::new();
        let listed = client
            .list_products(
                &ctx,
                acme::catalog::v1::ListProductsRequest {
                    shop: "s 1".into(),
                    tags: vec!["x&y".into(), "z".into()],
                    featured_only: true,
                    page_size: 5,
                },
            )
            .await
            .unwrap();
        assert_eq!(listed.products.len(), 1);
        client
            .set_price(
                &ctx,
                acme::catalog::v1::SetPriceRequest {
                    sku: "a/b".into(),
                    price: Some(acme::common::v1::Money {
                        currency: "GBP".into(),
                        units: -3,
                    }),
                },
            )
            .await
            .unwrap();
        let seen = shop.seen.lock().unwrap().clone();
        assert_eq!(
            seen,
            [
                r#"list shop=s 1 tags=["x&y", "z"] featured_only=true page_size=5"#,
                "price a/b GBP -3"
            ]
        );
    }
}

mod streaming {
    //! Streaming methods from a `.proto`: every kind over both transports,
    //! and the HTTP rule of a server stream read by curl.

    use std::sync::Arc;

    use futures_util::StreamExt;
    use kitgen_tests::from_proto::{Sensors, acme};
    use kitgen_tests::{base_url, serve, serve_grpc};

    use acme::watch::v1::{Reading, WatchRequest, sensors};

    fn reading(sensor: &str, value: f64) -> Reading {
        Reading {
            sensor: sensor.to_owned(),
            value,
            at: 0,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_kind_of_streaming_method_works_over_both_transports() {
        let endpoints = sensors::Endpoints::new(Arc::new(Sensors));
        let http = serve(sensors::http_router(endpoints.clone())).await;
        let grpc =
            serve_grpc(kit::grpc::Routes::new().add_service(sensors::GrpcServer::new(endpoints)))
                .await;
        let grpc_client = sensors::GrpcClient::new(&base_url(grpc)).unwrap();
        let http_client = sensors::HttpClient::new(&base_url(http)).unwrap();
        let clients: [(&str, &dyn Check); 2] = [("gRPC", &grpc_client), ("HTTP", &http_client)];
        for (transport, client) in clients {
            client.check(transport).await;
        }

        // The server stream's HTTP rule, as Server-Sent Events.
        let events = tokio::process::Command::new("curl")
            .args(["--silent", "--no-buffer", "--max-time", "10"])
            .args(["-H", "Accept: text/event-stream"])
            .arg(format!(
                "{}/v1/sensors/door/readings?count=2",
                base_url(http)
            ))
            .output()
            .await
            .unwrap();
        assert_eq!(
            String::from_utf8(events.stdout).unwrap(),
            "data: {\"sensor\":\"door\",\"value\":0.0,\"at\":\"0\"}\n\n\
             data: {\"sensor\":\"door\",\"value\":0.5,\"at\":\"1\"}\n\n"
        );
    }

    /// The checks, for either client.
    trait Check: Sync {
        fn check<'a>(&'a self, transport: &'a str) -> futures_util::future::BoxFuture<'a, ()>;
    }

    impl<S: acme::watch::v1::Sensors> Check for S {
        fn check<'a>(&'a self, transport: &'a str) -> futures_util::future::BoxFuture<'a, ()> {
            Box::pin(async move {
                let ctx = kit::Context::new();
                let request = WatchRequest {
                    sensor: "hall".to_owned(),
                    count: 3,
                };
                let values: Vec<f64> = self
                    .watch(&ctx, request)
                    .await
                    .unwrap()
                    .map(|reading| reading.unwrap().value)
                    .collect()
                    .await;
                assert_eq!(values, [0.0, 0.5, 1.0], "{transport}");
                let error = self
                    .watch(
                        &ctx,
                        WatchRequest {
                            sensor: String::new(),
                            count: -1,
                        },
                    )
                    .await
                    .unwrap_err();
                assert_eq!(error.code(), kit::Code::InvalidArgument, "{transport}");

                let sent = kit::Streaming::iter([Ok(reading("a", 1.0)), Ok(reading("b", 2.0))]);
                let summary = self.record(&ctx, sent).await.unwrap();
                assert_eq!((summary.readings, summary.mean), (2, 1.5), "{transport}");

                let sent = kit::Streaming::iter([Ok(reading("a", 1.0)), Ok(reading("b", 2.0))]);
                let calibrated: Vec<f64> = self
                    .calibrate(&ctx, sent)
                    .await
                    .unwrap()
                    .map(|reading| reading.unwrap().value)
                    .collect()
                    .await;
                assert_eq!(calibrated, [1.25, 2.25], "{transport}");
            })
        }
    }
}
