#[kit::service]
trait Orders {
    #[kit(http(post = "/orders", body = "order"))]
    async fn create(&self, item: String) -> Result<String, kit::Error>;
}

fn main() {}
