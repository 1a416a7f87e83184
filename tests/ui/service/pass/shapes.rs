//! Shapes a service trait may take: no context, short `Context` path,
//! default bodies, raw identifiers, unit returns, optional parameters,
//! private traits in nested modules, the user's own types named by path
//! where a generated name would shadow them, idempotent methods and
//! redacted parameters, and the service middleware around all of them.

mod inner {
    use kit::Context;

    #[derive(Clone, Debug, kit::Message)]
    pub struct Endpoints {
        pub count: u32,
    }

    /// A private service.
    #[kit::service]
    trait Shapes {
        /// A default body still works.
        async fn ping(&self) -> Result<(), kit::Error> {
            Ok(())
        }

        async fn r#type(&self, ctx: &Context, r#match: Option<String>) -> Result<String, kit::Error>;

        #[kit(http(get = "/"))]
        async fn root(&self) -> Result<crate::inner::Endpoints, kit::Error>;

        #[kit(idempotent)]
        async fn login(&self, user: String, #[kit(redact)] password: String) -> Result<bool, kit::Error>;
    }

    struct Impl;

    impl Shapes for Impl {
        async fn r#type(&self, ctx: &Context, r#match: Option<String>) -> Result<String, kit::Error> {
            Ok(format!("{}:{}", ctx.request_id().len(), r#match.unwrap_or_default()))
        }

        async fn root(&self) -> Result<crate::inner::Endpoints, kit::Error> {
            Ok(Endpoints { count: 1 })
        }

        async fn login(&self, user: String, password: String) -> Result<bool, kit::Error> {
            Ok(user == "ada" && password == "lovelace")
        }
    }

    /// A trait whose module name is a keyword: `r#type`.
    #[kit::service]
    pub trait Type {
        async fn kind(&self) -> Result<String, kit::Error>;
    }

    pub fn run() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let endpoints = shapes::Endpoints::new(std::sync::Arc::new(Impl));
            let ctx = Context::new();
            endpoints.ping().await.unwrap();
            assert_eq!(endpoints.r#type(&ctx, Some("x".into())).await.unwrap(), "32:x");
            assert_eq!(endpoints.root().await.unwrap().count, 1);
            let request = shapes::TypeRequest { r#match: None };
            assert_eq!(serde_json::to_string(&request).unwrap(), r#"{"match":null}"#);
            let _router: axum::Router = shapes::http_router(endpoints);
            let _client = r#type::HttpClient::new("http://127.0.0.1:1").unwrap();

            let request = shapes::LoginRequest { user: "ada".into(), password: "lovelace".into() };
            assert_eq!(format!("{request:?}"), r#"LoginRequest { user: "ada", password: <redacted> }"#);
            let metrics = kit::middleware::Metrics::new();
            let layered = shapes::LoggingMiddleware::new(shapes::InstrumentingMiddleware::new(Impl, metrics.clone()));
            let endpoints = shapes::Endpoints::new(std::sync::Arc::new(layered));
            assert!(endpoints.login.is_idempotent() && !endpoints.root.is_idempotent());
            assert!(endpoints.login("ada".into(), "lovelace".into()).await.unwrap());
            endpoints.ping().await.unwrap();
            assert!(metrics.encode().contains(r#"method="Login",code="OK"} 1"#));
        });
    }
}

fn main() {
    inner::run();
}
