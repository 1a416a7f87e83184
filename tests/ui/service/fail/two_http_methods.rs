#[kit::service]
trait Orders {
    #[kit(http(get = "/orders", post = "/orders"))]
    async fn list(&self) -> Result<Vec<String>, kit::Error>;
}

fn main() {}
