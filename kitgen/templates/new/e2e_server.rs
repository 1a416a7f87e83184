/// The service on ephemeral ports of 127.0.0.1, as `main.rs` serves it.
struct Running {
    http: String,
    grpc: String,
    stop: tokio::sync::oneshot::Sender<()>,
    done: tokio::task::JoinHandle<Result<(), kit::Error>>,
}

impl Running {
    async fn start() -> Running {
        let http = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let grpc = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let http_url = format!("http://{}", http.local_addr().unwrap());
        let grpc_url = format!("http://{}", grpc.local_addr().unwrap());
{%- if !s.database.is_empty() %}
        // SQLite in memory, as the service's own tests use: no server to
        // start.
        let repository = SqlRepository::connect("sqlite::memory:", 1).await.unwrap();
        repository.migrate().await.unwrap();
{%- endif %}
{%- for svc in s.services %}
        let {{ svc.var }} = {{ svc.module }}::Endpoints::new(Arc::new({{ svc.constructor }}));
{%- endfor %}
        let jsonrpc = {{ s.services[0].module }}::jsonrpc_methods({{ s.services[0].var }}.clone())
{%- for svc in s.services[1..] %}
            .merge({{ svc.module }}::jsonrpc_methods({{ svc.var }}.clone()))
{%- endfor %};
{%- if s.services.len() == 1 %}
        let router = {{ s.services[0].module }}::http_router({{ s.services[0].var }}.clone())
            .merge(jsonrpc.into_router().unwrap());
{%- else %}
        let router = {{ s.services[0].module }}::http_routes({{ s.services[0].var }}.clone())
{%- for svc in s.services[1..] %}
            .merge({{ svc.module }}::http_routes({{ svc.var }}.clone()))
{%- endfor %}
            .build()
            .unwrap()
            .merge(jsonrpc.into_router().unwrap());
{%- endif %}
        let routes = kit::grpc::Routes::new()
{%- for svc in s.services %}
            .add_service({{ svc.module }}::GrpcServer::new({{ svc.var }}))
{%- endfor %};
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let done = tokio::spawn(
            kit::Server::new()
                .http(http, router)
                .grpc(grpc, routes)
                .run_until(async move {
                    let _ = stopped.await;
                }),
        );
        Running {
            http: http_url,
            grpc: grpc_url,
            stop,
            done,
        }
    }

    async fn stop(self) {
        self.stop.send(()).unwrap();
        self.done.await.unwrap().unwrap();
    }
}
