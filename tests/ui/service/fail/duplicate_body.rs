#[kit::service]
trait Orders {
    #[kit(http(post = "/orders", body = "order", body = "order"))]
    async fn create(&self, order: String) -> Result<String, kit::Error>;
}

fn main() {}
