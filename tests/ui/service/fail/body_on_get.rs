#[kit::service]
trait Orders {
    #[kit(http(get = "/orders", body = "filter"))]
    async fn list(&self, filter: String) -> Result<Vec<String>, kit::Error>;
}

fn main() {}
