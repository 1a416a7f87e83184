#[kit::service]
trait Orders {
    #[kit(http(body = "order"))]
    async fn create(&self, order: String) -> Result<String, kit::Error>;
}

fn main() {}
