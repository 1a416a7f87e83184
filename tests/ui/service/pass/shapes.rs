//! Shapes a service trait may take: no context, short `Context` path,
//! default bodies, raw identifiers, unit returns, optional parameters,
//! private traits in nested modules, and the user's own types named by
//! path where a generated name would shadow them.

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
    }

    struct Impl;

    impl Shapes for Impl {
        async fn r#type(&self, ctx: &Context, r#match: Option<String>) -> Result<String, kit::Error> {
            Ok(format!("{}:{}", ctx.request_id().len(), r#match.unwrap_or_default()))
        }

        async fn root(&self) -> Result<crate::inner::Endpoints, kit::Error> {
            Ok(Endpoints { count: 1 })
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
        });
    }
}

fn main() {
    inner::run();
}
